using System.Net;
using System.Net.Sockets;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;

namespace Speedera.Edge.Probe;

/// <summary>
/// Sends metric-exchange messages over UDP (MetricExchange.md). Used by probes (service metrics,
/// latency) and by dns nodes (client groups to latency probes). Messages are fire-and-forget:
/// a lost datagram is replaced by the next batch, and timestamps let receivers judge staleness.
/// </summary>
public sealed class MetricExchangeSender : IDisposable
{
    private readonly MetricExchangeCodec _codec;
    private readonly TimeProvider _time;
    private readonly Socket _v4;
    private readonly Lazy<Socket?> _v6;
    private long _sequence;
    private long _sent;
    private long _sendErrors;

    public MetricExchangeSender(string nodeId, ReadOnlySpan<byte> key, TimeProvider? time = null, SocketFactory? socketFactory = null)
    {
        NodeId = nodeId;
        _codec = new MetricExchangeCodec(key);
        _time = time ?? TimeProvider.System;

        // Start above anything a previous run of this node sent, so receivers' replay windows
        // accept a restarted sender straight away.
        _sequence = _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        var sockets = socketFactory ?? SocketFactories.Default;
        _v4 = sockets(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _v6 = new Lazy<Socket?>(() => Socket.OSSupportsIPv6 ? sockets(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp) : null);
    }

    public string NodeId { get; }

    public long MessagesSent => Interlocked.Read(ref _sent);

    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Metrics endpoints of every dns node in the configuration.</summary>
    public static IReadOnlyList<IPEndPoint> DnsEndpoints(NetworkConfiguration config) =>
        Endpoints(config.Nodes.Where(n => n.Roles.HasFlag(NodeRoles.Dns)));

    /// <summary>Metrics endpoints of every node assigned as a latency probe for some POP.</summary>
    public static IReadOnlyList<IPEndPoint> LatencyProbeEndpoints(NetworkConfiguration config)
    {
        var ids = config.Probes.LatencyProbeNodes.Values.SelectMany(v => v).ToHashSet(StringComparer.Ordinal);
        return Endpoints(config.Nodes.Where(n => ids.Contains(n.Id)));
    }

    /// <summary>
    /// Parses "address:port" or "[v6]:port". Names are not resolved: the configuration carries
    /// addresses so that the exchange does not depend on DNS.
    /// </summary>
    public static IPEndPoint? ParseEndpoint(string? text) =>
        text is not null && IPEndPoint.TryParse(text, out var ep) && ep.Port != 0 ? ep : null;

    public Task SendServiceMetricsAsync(IReadOnlyList<ServiceMetric> metrics, IReadOnlyList<IPEndPoint> to, CancellationToken cancellationToken) =>
        metrics.Count == 0 ? Task.CompletedTask : SendAllAsync(_codec.EncodeServiceMetrics(NodeId, NextSequence, _time.GetUtcNow(), metrics), to, cancellationToken);

    public Task SendLatencyAsync(IReadOnlyList<LatencyMeasurement> measurements, IReadOnlyList<IPEndPoint> to, CancellationToken cancellationToken) =>
        measurements.Count == 0 ? Task.CompletedTask : SendAllAsync(_codec.EncodeLatency(NodeId, NextSequence, _time.GetUtcNow(), measurements), to, cancellationToken);

    public Task SendClientGroupsAsync(IReadOnlyList<ClientSighting> sightings, IReadOnlyList<IPEndPoint> to, CancellationToken cancellationToken) =>
        sightings.Count == 0 ? Task.CompletedTask : SendAllAsync(_codec.EncodeClientGroups(NodeId, NextSequence, _time.GetUtcNow(), sightings), to, cancellationToken);

    public void Dispose()
    {
        _v4.Dispose();
        if (_v6.IsValueCreated)
        {
            _v6.Value?.Dispose();
        }
    }

    private static List<IPEndPoint> Endpoints(IEnumerable<EdgeNode> nodes) =>
        nodes.Select(n => ParseEndpoint(n.MetricsEndpoint)).OfType<IPEndPoint>().Distinct().ToList();

    private ulong NextSequence() => (ulong)Interlocked.Increment(ref _sequence);

    private async Task SendAllAsync(IReadOnlyList<byte[]> messages, IReadOnlyList<IPEndPoint> to, CancellationToken ct)
    {
        foreach (var endpoint in to)
        {
            var socket = endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? _v6.Value : _v4;
            if (socket is null)
            {
                Interlocked.Increment(ref _sendErrors);
                continue;
            }

            foreach (var message in messages)
            {
                try
                {
                    await socket.SendToAsync(message, SocketFlags.None, endpoint, ct).ConfigureAwait(false);
                    Interlocked.Increment(ref _sent);
                }
                catch (SocketException)
                {
                    // One unreachable dns node must not stop the others getting the batch.
                    Interlocked.Increment(ref _sendErrors);
                }
            }
        }
    }
}
