using Speedera.Core.Probes;

namespace Speedera.Core.Gtm;

/// <summary>
/// A dns node's own metric tables as it reports them (upload kind <c>dns-view</c>): the service metrics and the
/// latency per (client group, POP) its engine reads, so the explainer can decide as that node does.
/// </summary>
/// <param name="LatencyTotal">How many latency entries the node holds; <paramref name="Latency"/> carries the newest <see cref="DnsNodeViews.MaxLatencyEntries"/>.</param>
public sealed record DnsNodeView(
    string NodeId,
    long? ConfigurationVersion,
    string? GeoDataVersion,
    DateTimeOffset TakenAt,
    IReadOnlyList<ServiceMetric> Services,
    IReadOnlyList<LatencyMeasurement> Latency,
    int LatencyTotal);

public static class DnsNodeViews
{
    /// <summary>Caps one upload (about 150 bytes per entry); the newest entries are the ones queries use.</summary>
    public const int MaxLatencyEntries = 5000;

    public static DnsNodeView Take(MetricsStore metrics, string nodeId, long? configurationVersion, string? geoDataVersion, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var latency = metrics.ExportLatency(nodeId);
        var newest = latency.Count <= MaxLatencyEntries
            ? latency
            : [.. latency.OrderByDescending(l => l.MeasuredAt).Take(MaxLatencyEntries)];
        return new DnsNodeView(nodeId, configurationVersion, geoDataVersion, now, metrics.ExportServiceMetrics(), newest, latency.Count);
    }

    /// <summary>The node's tables rebuilt for the engine.</summary>
    public static MetricsStore ToMetrics(DnsNodeView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var store = new MetricsStore();
        store.ApplyServiceMetrics(view.Services);
        store.ApplyLatency(view.Latency);
        return store;
    }
}
