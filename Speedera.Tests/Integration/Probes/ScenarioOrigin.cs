using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Speedera.Edge.Probe;

namespace Speedera.Tests.Integration.Probes;

/// <summary>
/// A Kestrel origin listening on a socket made by a <see cref="SocketFactory"/> (so it can live in
/// a POP's network namespace). The listening socket is duplicated and handed to Kestrel with
/// ListenHandle; Kestrel owns the duplicate and closes it on stop.
/// </summary>
internal sealed class ScenarioOrigin : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScenarioOrigin(WebApplication app, IPEndPoint endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    public static async Task<ScenarioOrigin> StartAsync(SocketFactory sockets, IPEndPoint bind, string body)
    {
        int fd;
        IPEndPoint bound;
        using (var listen = sockets(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp))
        {
            listen.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listen.Bind(bind);
            listen.Listen(512);
            bound = (IPEndPoint)listen.LocalEndPoint!;
            fd = dup((int)listen.SafeHandle.DangerousGetHandle());
            if (fd < 0)
            {
                throw new IOException($"dup failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenHandle((ulong)fd));
        var app = builder.Build();
        app.MapGet("/", () => body);
        await app.StartAsync();
        return new ScenarioOrigin(app, bound);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int dup(int fd);
}
