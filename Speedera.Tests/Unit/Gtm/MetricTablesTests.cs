using Speedera.Core.Gtm;
using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Gtm;

public class MetricTablesTests
{
    [Fact]
    public void Older_service_metric_does_not_replace_a_newer_one()
    {
        var store = new MetricsStore();
        var t = TestNetwork.Start;
        store.ApplyServiceMetrics([TestNetwork.Metric("s1", 10, t)]);
        store.ApplyServiceMetrics([TestNetwork.Failed("s1", t - TimeSpan.FromSeconds(5))]);
        Assert.True(store.TryGetServiceMetric(new ServiceKey("s1", "http"), out var metric));
        Assert.Equal(10, metric.Value);
    }

    [Fact]
    public void Latency_is_stored_per_group_and_pop_and_bad_groups_are_ignored()
    {
        var store = new MetricsStore();
        var t = TestNetwork.Start;
        store.ApplyLatency(
        [
            new LatencyMeasurement("fra", "198.51.100.0/24", "198.51.100.1", TimeSpan.FromMilliseconds(30), LatencyQuality.Full, t, "p"),
            new LatencyMeasurement("fra", "not a prefix", "x", TimeSpan.FromMilliseconds(1), LatencyQuality.Full, t, "p"),
        ]);
        Assert.True(ClientGroup.TryParse("198.51.100.0/24", out var group));
        Assert.True(store.TryGetLatency(group, "fra", out var latency));
        Assert.Equal(TimeSpan.FromMilliseconds(30), latency.RoundTrip);
        Assert.False(store.TryGetLatency(group, "sjc", out _));
        Assert.Equal(1, store.LatencyGroupCount);
    }

    [Fact]
    public void Readers_see_consistent_snapshots_while_writers_apply_batches()
    {
        var store = new MetricsStore();
        var key = new ServiceKey("s1", "http");
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                store.ApplyServiceMetrics([TestNetwork.Metric("s1", i, TestNetwork.Start.AddSeconds(i))]);
            }
        });
        int last = -1;
        while (!writer.IsCompleted)
        {
            if (store.TryGetServiceMetric(key, out var m))
            {
                Assert.True(m.Value >= last);
                last = m.Value;
            }
        }

        writer.GetAwaiter().GetResult();
        Assert.Equal(1999, store.TryGetServiceMetric(key, out var final) ? final.Value : -1);
    }

    [Fact]
    public void Client_group_is_the_resolver_slash_24_or_the_ecs_subnet()
    {
        var resolver = ClientAddress.FromIPAddress(System.Net.IPAddress.Parse("198.51.100.77"));
        Assert.Equal("198.51.100.0/24", GtmClient.FromResolver(resolver).Group.ToString());
        var ecs = new GtmClient(resolver, true, ClientAddress.FromIPAddress(System.Net.IPAddress.Parse("203.0.112.0")), 22);
        Assert.Equal("203.0.112.0/22", ecs.Group.ToString());
        var optOut = new GtmClient(resolver, true, default, 0);
        Assert.Equal("198.51.100.0/24", optOut.Group.ToString());
        var v6 = GtmClient.FromResolver(ClientAddress.FromIPAddress(System.Net.IPAddress.Parse("2001:db8:1:2::5")));
        Assert.Equal("2001:db8:1::/48", v6.Group.ToString());
    }
}

public class DecisionCounterTests
{
    [Fact]
    public void Drain_returns_completed_minutes_once_and_keeps_the_current_one()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 12, 0, 10, TimeSpan.Zero));
        var f = new EngineFixture();
        Assert.True(f.Gtm.TryGetHostname("weighted.example.test", out var plan));
        var counter = new DecisionCounter(clock);
        counter.Count(plan.V4[0], GtmReason.Latency, clock.GetUtcNow());
        counter.Count(plan.V4[0], GtmReason.Latency, clock.GetUtcNow());
        counter.Count(plan.V4[1], GtmReason.Latency, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(52));
        counter.Count(plan.V4[0], GtmReason.Latency, clock.GetUtcNow());
        Assert.Empty(counter.Drain());

        clock.Advance(TimeSpan.FromSeconds(6));
        var rows = counter.Drain();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero), r.Minute));
        Assert.Equal(new DecisionCountRow(rows[0].Minute, "weighted.example.test", "10.0.0.1", "sjc", 2, GtmReason.Latency), rows[0]);
        Assert.Equal(1, rows[1].Count);
        Assert.Empty(counter.Drain());
        var last = Assert.Single(counter.Drain(includeCurrent: true));
        Assert.Equal(1, last.Count);
    }

    [Fact]
    public void Concurrent_counts_are_not_lost()
    {
        var clock = new FakeTimeProvider(TestNetwork.Start);
        var f = new EngineFixture();
        Assert.True(f.Gtm.TryGetHostname("weighted.example.test", out var plan));
        var counter = new DecisionCounter(clock);
        Parallel.For(0, 100_000, _ => counter.Count(plan.V4[0], GtmReason.Latency, clock.GetUtcNow()));
        Assert.Equal(100_000, Assert.Single(counter.Drain(includeCurrent: true)).Count);
    }

    [Fact]
    public void Decisions_of_one_address_are_counted_apart_per_reason()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 6, 0, 0, TimeSpan.Zero));
        var f = new EngineFixture();
        Assert.True(f.Gtm.TryGetHostname("weighted.example.test", out var plan));
        var counter = new DecisionCounter(clock);
        counter.Count(plan.V4[0], GtmReason.Latency, clock.GetUtcNow());
        counter.Count(plan.V4[0], GtmReason.HiddenFailover, clock.GetUtcNow());
        counter.Count(plan.V4[0], GtmReason.HiddenFailover, clock.GetUtcNow());
        var rows = counter.Drain(includeCurrent: true);
        Assert.Equal(2, rows.Count);
        Assert.Equal(1, rows.Single(r => r.Reason == GtmReason.Latency).Count);
        Assert.Equal(2, rows.Single(r => r.Reason == GtmReason.HiddenFailover).Count);
    }
}

public class ClientGroupCounterTests
{
    private static GtmClient Client(string resolver, string? ecs = null)
    {
        var r = ClientAddress.FromIPAddress(System.Net.IPAddress.Parse(resolver));
        if (ecs is null)
        {
            return GtmClient.FromResolver(r);
        }

        Assert.True(ClientGroup.TryParse(ecs, out var g));
        return new GtmClient(r, true, new ClientAddress(g.IsV6, g.Prefix), g.Length);
    }

    [Fact]
    public void Queries_are_counted_per_ecs_subnet_or_resolver_prefix_and_resolver()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 12, 0, 10, TimeSpan.Zero));
        var f = new EngineFixture();
        Assert.True(f.Gtm.TryGetHostname("weighted.example.test", out var plan));
        var counter = new ClientGroupCounter(clock);
        counter.Count(plan, Client("127.0.0.2", "81.2.69.0/24"), clock.GetUtcNow());
        counter.Count(plan, Client("127.0.0.2", "81.2.69.0/24"), clock.GetUtcNow());
        counter.Count(plan, Client("127.0.0.3", "81.2.69.0/24"), clock.GetUtcNow());
        counter.Count(plan, Client("198.51.100.77"), clock.GetUtcNow());
        counter.Count(plan, Client("2001:db8:1:2:3::1"), clock.GetUtcNow());
        Assert.Empty(counter.Drain());

        clock.Advance(TimeSpan.FromSeconds(56));
        var rows = counter.Drain();
        Assert.Equal(4, rows.Count);
        Assert.Contains(new ClientGroupCountRow(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero), "weighted.example.test", "81.2.69.0/24", "127.0.0.2", 2), rows);
        Assert.Contains(rows, r => r.ClientSubnet == "81.2.69.0/24" && r.Resolver == "127.0.0.3" && r.Count == 1);
        Assert.Contains(rows, r => r.ClientSubnet == "198.51.100.0/24" && r.Resolver == "198.51.100.77");
        Assert.Contains(rows, r => r.ClientSubnet == "2001:db8:1::/56" && r.Resolver == "2001:db8:1:2:3::1");
        Assert.Empty(counter.Drain(includeCurrent: true));
    }

    [Fact]
    public void Keys_beyond_the_cap_are_counted_as_overflow_not_stored()
    {
        var clock = new FakeTimeProvider(TestNetwork.Start);
        var f = new EngineFixture();
        Assert.True(f.Gtm.TryGetHostname("weighted.example.test", out var plan));
        var counter = new ClientGroupCounter(clock, maxKeys: 2);
        counter.Count(plan, Client("127.0.0.2", "81.2.69.0/24"), clock.GetUtcNow());
        counter.Count(plan, Client("127.0.0.2", "81.2.70.0/24"), clock.GetUtcNow());
        counter.Count(plan, Client("127.0.0.2", "81.2.71.0/24"), clock.GetUtcNow());
        counter.Count(plan, Client("127.0.0.2", "81.2.69.0/24"), clock.GetUtcNow());
        Assert.Equal(1, counter.Overflow);
        Assert.Equal(3, counter.Drain(includeCurrent: true).Sum(r => r.Count));
    }
}
