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
    private Socket? _udp;
    private Socket? _tcp;
    private Task _running = Task.CompletedTask;

    /// <summary>The endpoint actually bound (the port is resolved when the options asked for port 0).</summary>
    public IPEndPoint? BoundEndPoint { get; private set; }

    public DnsServerStats Stats { get; } = new();

    public DnsNodeState State => state;

    /// <summary>The in-process request path (parse → decide → respond) over this host's state, for benchmarks and embedding.</summary>
    public DnsRequestProcessor CreateProcessor() => new(
        new DnsConfigurationSource(configuration, (config, ex) => Log.ConfigurationRejected(_logger, config.Version, ex)),
        state.Engine,
        state.Decisions,
        Stats,
        options.MaxUdpPayloadBytes);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        if (_stopping is not null)
        {
            throw new InvalidOperationException("The DNS server is already started.");
        }

        (_udp, _tcp) = Bind(options.Endpoint);
        BoundEndPoint = (IPEndPoint)_udp.LocalEndPoint!;
        _stopping = new CancellationTokenSource();
        var processor = CreateProcessor();
        var limiter = new ResponseRateLimiter(options.RateLimitResponsesPerSecond, options.RateLimitSlip, state.TimeProvider);
        int loops = options.UdpReceiveLoops > 0 ? options.UdpReceiveLoops : Math.Max(2, Environment.ProcessorCount);
        var udp = new UdpDnsListener(_udp, processor, limiter, loops, _logger);
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
        _udp?.Dispose();
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
        Log.Stopped(_logger);
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>UDP and TCP on the same port; with port 0 the UDP port picked is then taken for TCP too.</summary>
    private static (Socket Udp, Socket Tcp) Bind(IPEndPoint endpoint)
    {
        for (int attempt = 0; ; attempt++)
        {
            var udp = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            var tcp = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                udp.Bind(endpoint);
                var bound = (IPEndPoint)udp.LocalEndPoint!;
                tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                tcp.Bind(bound);
                tcp.Listen(512);
                return (udp, tcp);
            }
            catch (SocketException) when (endpoint.Port == 0 && attempt < 10)
            {
                udp.Dispose();
                tcp.Dispose();
            }
            catch
            {
                udp.Dispose();
                tcp.Dispose();
                throw;
            }
        }
    }

    private async Task SweepLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(SweepInterval, state.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
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
