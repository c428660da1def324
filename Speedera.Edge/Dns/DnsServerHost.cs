using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speedera.Core.Configuration;

namespace Speedera.Edge.Dns;

/// <summary>
/// The dns role: authoritative GTM DNS over UDP and TCP on one endpoint. The configuration is read
/// through <paramref name="configuration"/> on every query and may be swapped at any time.
/// </summary>
public sealed class DnsServerHost(
    DnsServerOptions options,
    Func<NetworkConfiguration?> configuration,
    DnsNodeState state,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);
    private readonly ILogger _logger = loggerFactory.CreateLogger<DnsServerHost>();
    private CancellationTokenSource? _stopping;
    private Socket[] _udp = [];
    private Socket? _tcp;
    private Task _running = Task.CompletedTask;
    private DnsQueryLog? _queryLog;

    /// <summary>The endpoint actually bound (the port is resolved when the options asked for port 0).</summary>
    public IPEndPoint? BoundEndPoint { get; private set; }

    public DnsServerStats Stats { get; } = new();

    /// <summary>NSID and cookie secrets of this server.</summary>
    public DnsServerIdentity Identity { get; } = new(options.Nsid, state.TimeProvider, options.Cookies);

    public DnsNodeState State => state;

    /// <summary>The in-process request path (parse → decide → respond) over this host's state, for benchmarks and embedding.</summary>
    public DnsRequestProcessor CreateProcessor() => new(
        new DnsConfigurationSource(configuration, (config, ex) => Log.ConfigurationRejected(_logger, config.Version, ex)),
        state.Engine,
        state.Decisions,
        Stats,
        options.MaxUdpPayloadBytes,
        _queryLog,
        Identity);

    /// <summary>The query log while the server runs with one configured.</summary>
    public DnsQueryLog? QueryLog => _queryLog;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        if (_stopping is not null)
        {
            throw new InvalidOperationException("The DNS server is already started.");
        }

        int loops = options.UdpReceiveLoops > 0 ? options.UdpReceiveLoops : Math.Max(2, Environment.ProcessorCount);
        (_udp, _tcp) = Bind(options.Endpoint, options.UdpSockets > 0 ? Math.Min(options.UdpSockets, loops) : (loops + 1) / 2);
        BoundEndPoint = (IPEndPoint)_udp[0].LocalEndPoint!;
        _stopping = new CancellationTokenSource();
        _queryLog = options.QueryLogPath is { } logPath
            ? new DnsQueryLog(logPath, options.QueryLogPerSecond, options.QueryLogMaxBytes, options.QueryLogFiles, state.TimeProvider, _logger)
            : null;
        var processor = CreateProcessor();
        var limiter = new ResponseRateLimiter(options.RateLimitResponsesPerSecond, options.RateLimitSlip, state.TimeProvider);
        var udp = new UdpDnsListener(_udp, processor, limiter, loops, options.UdpBatching && LinuxUdpBatch.Supported, options.UdpHelpersOnDemand, options.MaxUdpPayloadBytes, _logger);
        var tcp = new TcpDnsListener(_tcp, processor, options.TcpIdleTimeout, options.MaxTcpConnections, _logger);
        var token = _stopping.Token;
        _running = Task.WhenAll(udp.RunAsync(token), tcp.RunAsync(token), SweepLoopAsync(token));
        Log.Listening(_logger, BoundEndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var socket in _udp)
        {
            socket.Dispose();
        }

        _tcp?.Dispose();
        try
        {
            await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's stop timeout passed first; the loops end on their own.
        }

        _stopping.Dispose();
        _stopping = null;
        if (_queryLog is { } queryLog)
        {
            _queryLog = null;
            await queryLog.DisposeAsync().ConfigureAwait(false);
        }

        Log.Stopped(_logger);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>
    /// UDP and TCP on the same port; with port 0 the UDP port picked is then taken for TCP too. On Linux
    /// each UDP receive thread gets a socket of its own on the port (SO_REUSEPORT) so the kernel spreads
    /// clients over them; elsewhere the threads share one socket.
    /// </summary>
    private static (Socket[] Udp, Socket Tcp) Bind(IPEndPoint endpoint, int udpSockets)
    {
        for (int attempt = 0; ; attempt++)
        {
            var udp = new List<Socket>();
            var tcp = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                var first = CreateUdp(endpoint, reusePort: OperatingSystem.IsLinux() && udpSockets > 1);
                udp.Add(first);
                var bound = (IPEndPoint)first.LocalEndPoint!;
                for (int i = 1; i < udpSockets && OperatingSystem.IsLinux(); i++)
                {
                    udp.Add(CreateUdp(bound, reusePort: true));
                }

                tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (bound.Address.Equals(IPAddress.IPv6Any))
                {
                    tcp.DualMode = true;
                }

                tcp.Bind(bound);
                tcp.Listen(512);
                return ([.. udp], tcp);
            }
            catch (SocketException) when (endpoint.Port == 0 && attempt < 10)
            {
                udp.ForEach(s => s.Dispose());
                tcp.Dispose();
            }
            catch
            {
                udp.ForEach(s => s.Dispose());
                tcp.Dispose();
                throw;
            }
        }
    }

    private static Socket CreateUdp(IPEndPoint endpoint, bool reusePort)
    {
        const int SolSocket = 1;
        const int SoReusePort = 15;
        var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            // Room for bursts while the receive threads are busy (the kernel caps it at rmem_max).
            socket.ReceiveBufferSize = 4 << 20;
            socket.SendBufferSize = 4 << 20;
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                // [::] serves IPv4 clients too; their addresses arrive IPv4-mapped.
                socket.DualMode = true;
            }

            if (reusePort)
            {
                socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            }

            socket.Bind(endpoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task SweepLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, state.TimeProvider);
        var rotated = state.TimeProvider.GetUtcNow();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                if (state.TimeProvider.GetUtcNow() - rotated >= options.CookieSecretRotation)
                {
                    Identity.RotateCookieSecret();
                    rotated = state.TimeProvider.GetUtcNow();
                }

                var config = configuration();
                if (config is null)
                {
                    continue;
                }

                var settings = config.Hostnames.ToDictionary(h => h.Name.TrimEnd('.').ToLowerInvariant(), h => h.Persistence, StringComparer.Ordinal);
                int removed = state.Persistence.Sweep(state.TimeProvider.GetUtcNow(), name =>
                    settings.TryGetValue(name, out var p) && p.Enabled ? (p.AccessTimeout, p.RefreshTimeout) : null);
                Log.PersistenceSwept(_logger, removed);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
