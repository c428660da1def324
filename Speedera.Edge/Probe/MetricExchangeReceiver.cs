using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.Probes;

namespace Speedera.Edge.Probe;

/// <summary>Counts of what a receiver accepted and rejected, by reason.</summary>
public sealed record ExchangeCounters(long Accepted, IReadOnlyDictionary<ExchangeRejection, long> Rejected)
{
    public long RejectedTotal => Rejected.Values.Sum();

    public long RejectedFor(ExchangeRejection reason) => Rejected.TryGetValue(reason, out var n) ? n : 0;
}

/// <summary>
/// Receives metric-exchange datagrams on a node's MetricsEndpoint. A dns node hosts it with an
/// <see cref="IMetricSink"/> (service metrics, latency); a latency probe hosts it with an
/// <see cref="IClientGroupSink"/> (client groups from dns nodes). Every datagram is size-checked,
/// authenticated, parsed and replay-checked; anything wrong is counted and dropped. A sink that
/// throws is logged and does not stop the loop.
/// </summary>
public sealed partial class MetricExchangeReceiver : IAsyncDisposable
{
    private readonly IPEndPoint _bind;
    private readonly SocketFactory _socketFactory;
    private readonly MetricExchangeCodec _codec;
    private readonly ReplayGuard _replay;
    private readonly IMetricSink? _metrics;
    private readonly IClientGroupSink? _clientGroups;
    private readonly ILogger _logger;
    private readonly long[] _rejected = new long[Enum.GetValues<ExchangeRejection>().Length + 1];
    private long _accepted;
    private Socket? _socket;
    private CancellationTokenSource? _cts;
    private Task? _loop;

    /// <param name="replayWindow">How far a message's timestamp may be from this node's clock (default 30 s).</param>
    public MetricExchangeReceiver(
        IPEndPoint bind,
        ReadOnlySpan<byte> key,
        IMetricSink? metrics,
        IClientGroupSink? clientGroups,
        TimeProvider? time = null,
        ILogger<MetricExchangeReceiver>? logger = null,
        TimeSpan? replayWindow = null,
        SocketFactory? socketFactory = null)
    {
        _socketFactory = socketFactory ?? SocketFactories.Default;
        _bind = bind;
        _codec = new MetricExchangeCodec(key);
        _replay = new ReplayGuard(time ?? TimeProvider.System, replayWindow ?? TimeSpan.FromSeconds(30));
        _metrics = metrics;
        _clientGroups = clientGroups;
        _logger = logger ?? NullLogger<MetricExchangeReceiver>.Instance;
    }

    public IPEndPoint LocalEndpoint => (IPEndPoint?)_socket?.LocalEndPoint ?? throw new InvalidOperationException("Not started.");

    public ExchangeCounters Counters
    {
        get
        {
            var rejected = new Dictionary<ExchangeRejection, long>();
            foreach (var reason in Enum.GetValues<ExchangeRejection>())
            {
                var n = Interlocked.Read(ref _rejected[(int)reason]);
                if (n > 0)
                {
                    rejected[reason] = n;
                }
            }

            return new ExchangeCounters(Interlocked.Read(ref _accepted), rejected);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _socket = _socketFactory(_bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.ReceiveBufferSize = 1 << 20;
        _socket.Bind(_bind);
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _loop = Task.Run(() => ReceiveLoopAsync(_cts.Token), CancellationToken.None);
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
        _socket?.Dispose();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _cts.Dispose();
        _cts = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Handles one datagram; public to the tests so fuzzing needs no sockets.</summary>
    internal ExchangeRejection Handle(ReadOnlySpan<byte> datagram)
    {
        var rejection = _codec.TryDecode(datagram, out var message);
        if (rejection == ExchangeRejection.None)
        {
            rejection = _replay.Check(message!.SenderNodeId, message.Sequence, message.SentAt);
        }

        if (rejection != ExchangeRejection.None)
        {
            Interlocked.Increment(ref _rejected[(int)rejection]);
            Log.Rejected(_logger, rejection);
            return rejection;
        }

        Interlocked.Increment(ref _accepted);
        try
        {
            switch (message!.Type)
            {
                case ExchangeMessageType.ServiceMetrics when message.ServiceMetrics.Count > 0:
                    _metrics?.ApplyServiceMetrics(message.ServiceMetrics);
                    break;
                case ExchangeMessageType.Latency when message.Latency.Count > 0:
                    _metrics?.ApplyLatency(message.Latency);
                    break;
                case ExchangeMessageType.ClientGroups when message.ClientGroups.Count > 0:
                    _clientGroups?.ApplyClientGroups(message.SenderNodeId, message.ClientGroups);
                    break;
            }
        }
        catch (Exception ex)
        {
            Log.SinkFailed(_logger, ex);
        }

        return ExchangeRejection.None;
    }

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        // One byte more than the limit, so an oversized datagram is seen as oversized, not truncated.
        var buffer = new byte[MetricExchangeCodec.MaxMessageBytes + 1];
        EndPoint any = _bind.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveFromResult result;
            try
            {
                result = await _socket!.ReceiveFromAsync(buffer, SocketFlags.None, any, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.MessageSize or SocketError.ConnectionReset)
            {
                if (ex.SocketErrorCode == SocketError.MessageSize)
                {
                    Interlocked.Increment(ref _rejected[(int)ExchangeRejection.Oversized]);
                }

                continue;
            }
            catch (SocketException) when (ct.IsCancellationRequested)
            {
                return;
            }

            Handle(buffer.AsSpan(0, result.ReceivedBytes));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Metric exchange receiver listening on {Endpoint}")]
        public static partial void Listening(ILogger logger, IPEndPoint endpoint);

        [LoggerMessage(EventId = 5202, Level = LogLevel.Debug, Message = "Metric exchange message rejected: {Reason}")]
        public static partial void Rejected(ILogger logger, ExchangeRejection reason);

        [LoggerMessage(EventId = 5203, Level = LogLevel.Error, Message = "Metric sink failed on an exchange message")]
        public static partial void SinkFailed(ILogger logger, Exception exception);
    }
}
