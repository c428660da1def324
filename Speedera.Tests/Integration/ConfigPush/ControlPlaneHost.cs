using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Speedera.Tests.Integration.ConfigPush;

/// <summary>
/// The real portal (control plane) on a real loopback socket, with its own data folder (SQLite
/// database, signing key). Disposing it stops the control plane; a new one on the same folder and
/// port is the same control plane restarted.
/// </summary>
internal sealed class ControlPlaneHost : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string>? _settings;

    public ControlPlaneHost(string dataDirectory, int port, IReadOnlyDictionary<string, string>? settings = null)
    {
        _settings = settings;
        DataDirectory = dataDirectory;
        Port = port;
        UseKestrel(o => o.Listen(IPAddress.Loopback, port));
    }

    public string DataDirectory { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public AsyncServiceScope CreateScope() => Services.CreateAsyncScope();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Speedera:DataDirectory", DataDirectory);
        builder.UseSetting("Speedera:Admin:Password", "Integration-test-1x");
        builder.UseSetting("Speedera:EmbeddedEdge:Enabled", "false");
        builder.UseSetting("Speedera:Security:AllowPrivateTargets", "true");
        builder.UseSetting("Speedera:Mail:PickupDirectory", Path.Combine(DataDirectory, "mail"));
        foreach (var (key, value) in _settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
    }

    public static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
