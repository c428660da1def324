using Speedera.Core.Gtm;
using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Gtm;

public class DnsNodeViewTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_view_rebuilds_the_tables_the_node_decided_with()
    {
        var store = new MetricsStore();
        var key = new ServiceKey("srv-1", "http");
        store.ApplyServiceMetrics([new ServiceMetric(key, 7, ProbeError.None, Now, "probe-1")]);
        store.ApplyLatency([new LatencyMeasurement("lhr", "198.51.100.0/24", "198.51.100.1", TimeSpan.FromMilliseconds(12), LatencyQuality.Full, Now, "probe-1")]);

        var view = DnsNodeViews.Take(store, "dns-1", 42, "7", Now);
        var rebuilt = DnsNodeViews.ToMetrics(view);

        Assert.Equal(("dns-1", 42L, 1), (view.NodeId, view.ConfigurationVersion!.Value, view.LatencyTotal));
        Assert.True(rebuilt.TryGetServiceMetric(key, out var metric));
        Assert.Equal(7, metric.Value);
        Assert.True(ClientGroup.TryParse("198.51.100.0/24", out var group));
        Assert.True(rebuilt.TryGetLatency(group, "lhr", out var latency));
        Assert.Equal(TimeSpan.FromMilliseconds(12), latency.RoundTrip);
    }

    [Fact]
    public void A_large_latency_table_is_cut_to_its_newest_entries_and_says_how_many_it_had()
    {
        var store = new MetricsStore();
        var total = DnsNodeViews.MaxLatencyEntries + 250;
        store.ApplyLatency([.. Enumerable.Range(0, total).Select(i =>
            new LatencyMeasurement("lhr", $"10.{i / 256}.{i % 256}.0/24", "", TimeSpan.FromMilliseconds(5), LatencyQuality.Partial, Now.AddSeconds(i), "probe-1"))]);

        var view = DnsNodeViews.Take(store, "dns-1", null, null, Now);

        Assert.Equal(total, view.LatencyTotal);
        Assert.Equal(DnsNodeViews.MaxLatencyEntries, view.Latency.Count);
        Assert.Equal(Now.AddSeconds(250), view.Latency.Min(l => l.MeasuredAt));
    }
}
