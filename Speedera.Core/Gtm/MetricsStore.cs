using System.Collections.Immutable;
using Speedera.Core.Probes;

namespace Speedera.Core.Gtm;

/// <summary>What the engine reads: the newest service metric per service, latency per (client group, POP).</summary>
public interface IGtmMetricsView
{
    bool TryGetServiceMetric(ServiceKey key, out ServiceMetric metric);

    bool TryGetLatency(ClientGroup group, string popId, out LatencyEntry latency);
}

public readonly record struct LatencyEntry(TimeSpan RoundTrip, LatencyQuality Quality, DateTimeOffset MeasuredAt);

/// <summary>
/// The dns node's metric tables, fed by the probes through <see cref="IMetricSink"/>. Writers build a
/// new immutable snapshot and swap it in; readers never lock. Older results never replace newer ones.
/// </summary>
public sealed class MetricsStore : IMetricSink, IGtmMetricsView
{
    private readonly Lock _writeLock = new();
    private volatile Dictionary<ServiceKey, ServiceMetric> _services = [];
    private volatile ImmutableDictionary<ClientGroup, ImmutableDictionary<string, LatencyEntry>> _latency =
        ImmutableDictionary<ClientGroup, ImmutableDictionary<string, LatencyEntry>>.Empty;

    public int ServiceMetricCount => _services.Count;

    public int LatencyGroupCount => _latency.Count;

    public void ApplyServiceMetrics(IReadOnlyList<ServiceMetric> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        lock (_writeLock)
        {
            var next = new Dictionary<ServiceKey, ServiceMetric>(_services);
            foreach (var metric in metrics)
            {
                if (!next.TryGetValue(metric.Key, out var existing) || existing.MeasuredAt <= metric.MeasuredAt)
                {
                    next[metric.Key] = metric;
                }
            }

            _services = next;
        }
    }

    /// <summary>Measurements with an unparseable client group are ignored.</summary>
    public void ApplyLatency(IReadOnlyList<LatencyMeasurement> measurements)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        lock (_writeLock)
        {
            var builder = _latency.ToBuilder();
            foreach (var m in measurements)
            {
                if (!ClientGroup.TryParse(m.ClientGroup, out var group))
                {
                    continue;
                }

                var row = builder.TryGetValue(group, out var existingRow)
                    ? existingRow
                    : ImmutableDictionary.Create<string, LatencyEntry>(StringComparer.Ordinal);
                if (row.TryGetValue(m.PopId, out var existing) && existing.MeasuredAt > m.MeasuredAt)
                {
                    continue;
                }

                builder[group] = row.SetItem(m.PopId, new LatencyEntry(m.RoundTrip, m.Quality, m.MeasuredAt));
            }

            _latency = builder.ToImmutable();
        }
    }

    /// <summary>The latency table as measurements, for saving it across restarts (see <see cref="LatencyTableFile"/>).</summary>
    public IReadOnlyList<LatencyMeasurement> ExportLatency(string nodeId) =>
        [.. _latency.SelectMany(row => row.Value.Select(cell =>
            new LatencyMeasurement(cell.Key, row.Key.ToString(), "", cell.Value.RoundTrip, cell.Value.Quality, cell.Value.MeasuredAt, nodeId)))];

    /// <summary>The newest result per service, for the node's reported view (see <see cref="DnsNodeView"/>).</summary>
    public IReadOnlyList<ServiceMetric> ExportServiceMetrics() => [.. _services.Values];

    public bool TryGetServiceMetric(ServiceKey key, out ServiceMetric metric) =>
        _services.TryGetValue(key, out metric!);

    public bool TryGetLatency(ClientGroup group, string popId, out LatencyEntry latency)
    {
        if (_latency.TryGetValue(group, out var row))
        {
            return row.TryGetValue(popId, out latency);
        }

        latency = default;
        return false;
    }
}
