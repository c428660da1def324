using Speedera.Core.Gtm;
using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Gtm;

public class GtmEngineTests
{
    private static readonly GtmClient Resolver = EngineFixture.Client("198.51.100.7");

    [Fact]
    public void Failed_service_is_never_answered_while_another_is_up()
    {
        var f = new EngineFixture();
        var now = f.Clock.GetUtcNow();
        f.Metrics.ApplyServiceMetrics([TestNetwork.Failed("s1", now), TestNetwork.Metric("s2", 50, now)]);
        for (int i = 0; i < 200; i++)
        {
            var (decision, addresses) = f.Decide("weighted.example.test", Resolver);
            Assert.Equal(["10.0.0.2"], addresses);
            Assert.Equal(GtmReason.Load, decision.Reason);
        }
    }

    [Fact]
    public void Stale_metric_counts_as_down()
    {
        var f = new EngineFixture();
        var now = f.Clock.GetUtcNow();
        f.Metrics.ApplyServiceMetrics([TestNetwork.Metric("s1", 50, now - TimeSpan.FromSeconds(31)), TestNetwork.Metric("s2", 50, now)]);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(["10.0.0.2"], f.Decide("weighted.example.test", Resolver).Addresses);
        }
    }

    [Fact]
    public void Metric_becomes_stale_as_the_clock_moves_on()
    {
        var f = new EngineFixture();
        f.Metrics.ApplyServiceMetrics([TestNetwork.Metric("s1", 50, f.Clock.GetUtcNow())]);
        Assert.Equal(["10.0.0.1"], f.Decide("failover.example.test", Resolver).Addresses);
        f.Clock.Advance(TimeSpan.FromSeconds(31));
        var (decision, addresses) = f.Decide("failover.example.test", Resolver);
        Assert.Equal(GtmReason.AllDown, decision.Reason);
        Assert.Equal(["10.0.0.1"], addresses);
    }

    [Fact]
    public void Noload_service_is_up_without_any_metric()
    {
        var f = new EngineFixture();
        var (decision, addresses) = f.Decide("noload.example.test", Resolver);
        Assert.Equal(["10.0.0.9"], addresses);
        Assert.Equal(GtmReason.Load, decision.Reason);
    }

    [Fact]
    public void Hidden_failover_is_answered_only_when_every_visible_candidate_is_down()
    {
        var f = new EngineFixture();
        var now = f.Clock.GetUtcNow();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(now));
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(["10.0.0.1"], f.Decide("failover.example.test", Resolver).Addresses);
        }

        f.Metrics.ApplyServiceMetrics([TestNetwork.Failed("s1", now)]);
        var (decision, addresses) = f.Decide("failover.example.test", Resolver);
        Assert.Equal(GtmReason.HiddenFailover, decision.Reason);
        Assert.Equal(["10.0.0.4"], addresses);
    }

    [Fact]
    public void When_everything_is_down_a_visible_candidate_still_answers()
    {
        var f = new EngineFixture();
        var now = f.Clock.GetUtcNow();
        f.Metrics.ApplyServiceMetrics([TestNetwork.Failed("s1", now), TestNetwork.Failed("s4", now)]);
        for (int i = 0; i < 100; i++)
        {
            var (decision, addresses) = f.Decide("failover.example.test", Resolver);
            Assert.Equal(GtmReason.AllDown, decision.Reason);
            Assert.Equal(["10.0.0.1"], addresses);
        }
    }

    [Fact]
    public void Static_mapping_wins_over_latency_and_load()
    {
        var f = new EngineFixture();
        var now = f.Clock.GetUtcNow();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(now));
        f.Metrics.ApplyLatency([new LatencyMeasurement("sjc", "203.0.113.0/24", "203.0.113.1", TimeSpan.FromMilliseconds(5), LatencyQuality.Full, now, "p")]);
        var (decision, addresses) = f.Decide("gtm.example.test", EngineFixture.Client("203.0.113.9"));
        Assert.Equal(GtmReason.StaticMapping, decision.Reason);
        Assert.Equal(["10.0.0.3"], addresses);
    }

    [Fact]
    public void Static_mapping_matches_the_client_subnet_when_present()
    {
        var f = new EngineFixture();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
        var resolver = ClientAddress.FromIPAddress(System.Net.IPAddress.Parse("8.8.8.8"));
        var client = new GtmClient(resolver, true, ClientAddress.FromIPAddress(System.Net.IPAddress.Parse("203.0.113.0")), 24);
        Assert.Equal(GtmReason.StaticMapping, f.Decide("gtm.example.test", client).Decision.Reason);
    }

    [Fact]
    public void Lowest_latency_pop_is_chosen_for_the_clients_group()
    {
        var f = new EngineFixture();
        var now = f.Clock.GetUtcNow();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(now));
        f.Metrics.ApplyLatency(
        [
            new LatencyMeasurement("sjc", "198.51.100.0/24", "198.51.100.7", TimeSpan.FromMilliseconds(150), LatencyQuality.Full, now, "p"),
            new LatencyMeasurement("fra", "198.51.100.0/24", "198.51.100.7", TimeSpan.FromMilliseconds(12), LatencyQuality.Full, now, "p"),
            new LatencyMeasurement("nyc", "198.51.100.0/24", "198.51.100.7", TimeSpan.FromMilliseconds(90), LatencyQuality.Partial, now, "p"),
        ]);
        for (int i = 0; i < 100; i++)
        {
            var (decision, addresses) = f.Decide("gtm.example.test", Resolver);
            Assert.Equal(GtmReason.Latency, decision.Reason);
            Assert.Equal(["10.0.0.2"], addresses);
        }

        Assert.DoesNotContain(f.Groups.Drain(), g => g.NeedsLatency);
    }

    [Fact]
    public void Unknown_client_group_gets_a_best_guess_and_is_queued_for_latency_probing()
    {
        var f = new EngineFixture();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
        var (decision, addresses) = f.Decide("gtm.example.test", EngineFixture.Client("192.0.2.77"));
        Assert.Equal(GtmReason.LatencyUnknown, decision.Reason);
        Assert.Single(addresses);
        Assert.Equal(["192.0.2.0/24"], f.Groups.PendingLatencyGroups());
        var seen = Assert.Single(f.Groups.Drain());
        Assert.Equal("192.0.2.0/24", seen.Group);
        Assert.Equal("192.0.2.77", seen.SampleClient);
        Assert.True(seen.NeedsLatency);
        Assert.Empty(f.Groups.Drain());
    }

    [Fact]
    public void Stale_latency_is_still_used_but_the_group_is_queued_again()
    {
        var f = new EngineFixture();
        var measured = f.Clock.GetUtcNow();
        f.Metrics.ApplyLatency(
        [
            new LatencyMeasurement("sjc", "198.51.100.0/24", "x", TimeSpan.FromMilliseconds(150), LatencyQuality.Full, measured, "p"),
            new LatencyMeasurement("fra", "198.51.100.0/24", "x", TimeSpan.FromMilliseconds(12), LatencyQuality.Full, measured, "p"),
            new LatencyMeasurement("nyc", "198.51.100.0/24", "x", TimeSpan.FromMilliseconds(90), LatencyQuality.Full, measured, "p"),
        ]);
        f.Clock.Advance(TimeSpan.FromMinutes(31));
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
        var (decision, addresses) = f.Decide("gtm.example.test", Resolver);
        Assert.Equal(GtmReason.Latency, decision.Reason);
        Assert.Equal(["10.0.0.2"], addresses);
        Assert.Equal(["198.51.100.0/24"], f.Groups.PendingLatencyGroups());
    }

    [Fact]
    public void Lower_load_breaks_a_latency_tie()
    {
        var f = new EngineFixture();
        var now = f.Clock.GetUtcNow();
        f.Metrics.ApplyServiceMetrics([TestNetwork.Metric("s1", 900, now), TestNetwork.Metric("s2", 40, now), TestNetwork.Metric("s3", 45, now)]);
        f.Metrics.ApplyLatency(
        [
            new LatencyMeasurement("sjc", "198.51.100.0/24", "x", TimeSpan.FromMilliseconds(20), LatencyQuality.Full, now, "p"),
            new LatencyMeasurement("fra", "198.51.100.0/24", "x", TimeSpan.FromMilliseconds(21), LatencyQuality.Full, now, "p"),
            new LatencyMeasurement("nyc", "198.51.100.0/24", "x", TimeSpan.FromMilliseconds(200), LatencyQuality.Full, now, "p"),
        ]);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(["10.0.0.2"], f.Decide("gtm.example.test", Resolver).Addresses);
        }
    }

    [Fact]
    public void Comparable_candidates_are_picked_in_proportion_to_their_weights()
    {
        var f = new EngineFixture();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
        int first = 0;
        const int Runs = 4000;
        for (int i = 0; i < Runs; i++)
        {
            first += f.Decide("weighted.example.test", Resolver).Addresses[0] == "10.0.0.1" ? 1 : 0;
        }

        Assert.InRange(first / (double)Runs, 0.70, 0.80);
    }

    [Fact]
    public void Persistent_hostname_gives_the_same_client_the_same_answer_until_the_access_timeout()
    {
        var f = new EngineFixture();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
        var first = f.Decide("persist.example.test", Resolver);
        for (int i = 0; i < 50; i++)
        {
            f.Clock.Advance(TimeSpan.FromMinutes(1));
            f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
            var again = f.Decide("persist.example.test", Resolver);
            Assert.Equal(first.Addresses, again.Addresses);
            Assert.Equal(GtmReason.Persistence, again.Decision.Reason);
            if (f.Clock.GetUtcNow() - TestNetwork.Start > TimeSpan.FromMinutes(55))
            {
                break;
            }
        }

        f.Clock.Advance(TimeSpan.FromMinutes(11));
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
        Assert.NotEqual(GtmReason.Persistence, f.Decide("persist.example.test", Resolver).Decision.Reason);
    }

    [Fact]
    public void Persistent_entry_expires_after_the_refresh_timeout_even_when_used()
    {
        var f = new EngineFixture();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
        f.Decide("persist.example.test", Resolver);
        for (int i = 0; i < 13; i++)
        {
            f.Clock.Advance(TimeSpan.FromMinutes(5));
            f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
            var d = f.Decide("persist.example.test", Resolver).Decision;
            Assert.Equal(i < 12 ? GtmReason.Persistence : GtmReason.Load, d.Reason);
        }
    }

    [Fact]
    public void Persistent_answer_that_went_down_is_replaced()
    {
        var f = new EngineFixture();
        var now = f.Clock.GetUtcNow();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(now));
        var first = f.Decide("persist.example.test", Resolver).Addresses[0];
        var serverId = "s" + first[^1];
        f.Metrics.ApplyServiceMetrics([TestNetwork.Failed(serverId, now)]);
        var (decision, addresses) = f.Decide("persist.example.test", Resolver);
        Assert.NotEqual(first, addresses[0]);
        Assert.Equal(GtmReason.Load, decision.Reason);
        Assert.Equal(GtmReason.Persistence, f.Decide("persist.example.test", Resolver).Decision.Reason);
    }

    [Fact]
    public void Persistence_table_round_trips_through_export_and_import()
    {
        var f = new EngineFixture();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
        var answer = f.Decide("persist.example.test", Resolver).Addresses;
        var peer = new EngineFixture(seed: 7);
        peer.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
        peer.Persistence.Import(f.Persistence.Export());
        var (decision, addresses) = peer.Decide("persist.example.test", Resolver);
        Assert.Equal(GtmReason.Persistence, decision.Reason);
        Assert.Equal(answer, addresses);
    }

    [Fact]
    public void Aaaa_decision_uses_only_ipv6_candidates()
    {
        var f = new EngineFixture();
        f.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(f.Clock.GetUtcNow()));
        Assert.Equal(["2001:db8::6"], f.Decide("gtm.example.test", Resolver, v6: true).Addresses);
        Assert.Equal(GtmReason.NoCandidates, f.Decide("weighted.example.test", Resolver, v6: true).Decision.Reason);
    }
}
