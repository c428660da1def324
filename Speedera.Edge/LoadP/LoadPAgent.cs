using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.Probes;

namespace Speedera.Edge.LoadP;

/// <summary>
/// The LOADP agent (role <c>loadp</c>): answers "LOADP/1 GET" on TCP with this machine's load
/// figures read from /proc (PROTOCOL.md in this folder). One request per connection; requests
/// are bounded in size and time so a slow or hostile client cannot hold the agent.
/// </summary>
public sealed partial class LoadPAgent : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly IPEndPoint _bind;
    private readonly Func<LoadFigures?> _read;
    private readonly ILogger _logger;
    private TcpListener? _listener;
    private CancellationTokenSource? _cts;
    private Task? _acceptLoop;

    /// <param name="bind">Address and port to listen on (port 0 picks a free one).</param>
    /// <param name="readFigures">Where figures come from; defaults to reading /proc.</param>
    public LoadPAgent(IPEndPoint bind, Func<LoadFigures?>? readFigures = null, ILogger<LoadPAgent>? logger = null)
    {
        _bind = bind;
        _read = readFigures ?? ProcLoadReader.Read;
        _logger = logger ?? NullLogger<LoadPAgent>.Instance;
    }

    /// <summary>The bound endpoint once started.</summary>
    public IPEndPoint LocalEndpoint => (IPEndPoint?)_listener?.LocalEndpoint ?? throw new InvalidOperationException("Not started.");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener = new TcpListener(_bind);
        _listener.Start(backlog: 64);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _acceptLoop = AcceptLoopAsync(_cts.Token);
        Log.Listening(_logger, LocalEndpoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        if (_cts is null)
        {
            return;
        }

        await _cts.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        if (_acceptLoop is not null)
        {
            try
            {
                await _acceptLoop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _cts.Dispose();
        _cts = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task AcceptLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener!.AcceptSocketAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client, ct);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            var request = await ReadLineAsync(client, LoadPProtocol.MaxRequestBytes, timeout.Token).ConfigureAwait(false);
            string response;
            if (request != LoadPProtocol.Request)
            {
                response = LoadPProtocol.FormatError("unknown request");
            }
            else
            {
                var figures = _read();
                response = figures is null ? LoadPProtocol.FormatError("load figures unavailable") : LoadPProtocol.FormatResponse(figures);
            }

            await client.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException)
        {
            Log.ClientFailed(_logger, ex.Message);
        }
    }

    private static async Task<string?> ReadLineAsync(Socket socket, int maxBytes, CancellationToken ct)
    {
        var buffer = new byte[maxBytes + 2];
        var length = 0;
        while (length < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            length += n;
            var newline = Array.IndexOf(buffer, (byte)'\n', 0, length);
            if (newline >= 0)
            {
                return Encoding.ASCII.GetString(buffer, 0, newline).TrimEnd('\r');
            }
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "LOADP agent listening on {Endpoint}")]
        public static partial void Listening(ILogger logger, IPEndPoint endpoint);

        [LoggerMessage(EventId = 5102, Level = LogLevel.Debug, Message = "LOADP client failed: {Reason}")]
        public static partial void ClientFailed(ILogger logger, string reason);
    }
}

/// <summary>Reads the /proc files the agent reports on.</summary>
public static class ProcLoadReader
{
    public static LoadFigures? Read() => Read("/proc");

    public static LoadFigures? Read(string procRoot) =>
        ProcParser.TryParseAll(
            TryRead(Path.Combine(procRoot, "loadavg")),
            TryRead(Path.Combine(procRoot, "meminfo")),
            TryRead(Path.Combine(procRoot, "net", "dev")),
            TryRead(Path.Combine(procRoot, "diskstats")));

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
