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
    private readonly Socket _listen;

    private ScenarioOrigin(WebApplication app, Socket listen, IPEndPoint endpoint)
    {
        _app = app;
        _listen = listen;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    public static async Task<ScenarioOrigin> StartAsync(SocketFactory sockets, IPEndPoint bind, string body)
    {
        var listen = sockets(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listen.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listen.Bind(bind);
        listen.Listen(512);
        var bound = (IPEndPoint)listen.LocalEndPoint!;
        var fd = dup((int)listen.SafeHandle.DangerousGetHandle());
        if (fd < 0)
        {
            listen.Dispose();
            throw new IOException($"dup failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenHandle((ulong)fd));
        var app = builder.Build();
        app.MapGet("/", () => body);
        await app.StartAsync();
        return new ScenarioOrigin(app, listen, bound);
    }

    /// <summary>
    /// Fails like a crashed origin: the listening socket stops listening at once (shutdown on a
    /// listener resets pending connections and new SYNs get a RST), then Kestrel stops.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _listen.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _listen.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int dup(int fd);
}
