using Speedera.Core.Configuration;
using Speedera.Core.Geo;
using Speedera.Core.Gtm;

namespace Speedera.Tests.Unit.Gtm;

public class RegionRoutingTests
{
    private sealed class Fixture
    {
        public Fixture(NetworkConfiguration? configuration = null, bool withGeo = true)
        {
            Clock = new FakeTimeProvider(TestNetwork.Start);
            Metrics = new MetricsStore();
            Geo = withGeo ? new GeoDataHolder(RegionNetwork.Geo()) : new GeoDataHolder();
            Engine = new GtmEngine(Metrics, new PersistenceTable(), new ClientGroupTracker(), Clock, new SeededRandomSource(7), null, Geo);
            Gtm = GtmConfiguration.Build(configuration ?? RegionNetwork.Create());
            Metrics.ApplyServiceMetrics(RegionNetwork.Healthy(Clock.GetUtcNow()));
        }

        public FakeTimeProvider Clock { get; }

        public MetricsStore Metrics { get; }

        public GeoDataHolder Geo { get; }

        public GtmEngine Engine { get; }

        public GtmConfiguration Gtm { get; }

        public void Fail(params string[] servers) =>
            Metrics.ApplyServiceMetrics([.. servers.Select(s => TestNetwork.Failed(s, Clock.GetUtcNow()))]);

        public (GtmReason Reason, string Address) Decide(string hostname, string client, GtmTrace? trace = null, int? subnetBits = null)
        {
            Assert.True(Gtm.TryGetHostname(hostname, out var plan));
            var answers = new CandidatePlan?[8];
            var gtmClient = subnetBits is { } bits
                ? new GtmClient(RegionNetwork.A("198.51.100.53"), true, RegionNetwork.A(client), (byte)bits)
                : GtmClient.FromResolver(RegionNetwork.A(client));
            var d = Engine.Decide(plan, false, in gtmClient, answers, trace);
            Assert.True(d.Count > 0);
            return (d.Reason, answers[0]!.Address);
        }
    }

    [Theory]
    [InlineData(RegionNetwork.Dutch, "10.1.0.1", "10.1.0.2")]
    [InlineData(RegionNetwork.British, "10.1.0.1", "10.1.0.2")]
    [InlineData(RegionNetwork.Icelandic, "10.1.0.1", "10.1.0.2")]
    [InlineData(RegionNetwork.American, "10.1.0.4", "10.1.0.4")]
    [InlineData(RegionNetwork.Australian, "10.1.0.5", "10.1.0.5")]
    [InlineData(RegionNetwork.Brazilian, "10.1.0.5", "10.1.0.5")]
    public void Each_region_goes_to_its_servers(string client, string one, string other)
    {
        var f = new Fixture();
        for (int i = 0; i < 50; i++)
        {
            var (reason, address) = f.Decide(RegionNetwork.Track, client);
            Assert.Equal(GtmReason.Region, reason);
            Assert.Contains(address, new[] { one, other });
        }
    }

    [Fact]
    public void Client_subnet_decides_the_region_rather_than_the_resolver()
    {
        var f = new Fixture();
        // The resolver (198.51.100.53) is nowhere in the data; the ECS subnet is in the Netherlands.
        var (reason, address) = f.Decide(RegionNetwork.Track, "193.0.6.0", subnetBits: 24);
        Assert.Equal(GtmReason.Region, reason);
        Assert.StartsWith("10.1.0.", address, StringComparison.Ordinal);
        Assert.Contains(address, new[] { "10.1.0.1", "10.1.0.2" });
    }

    [Fact]
    public void When_londons_servers_fail_europe_fails_over_to_the_next_target_of_its_rule()
    {
        var f = new Fixture();
        f.Fail("lon1", "lon2");
        var (reason, address) = f.Decide(RegionNetwork.Track, RegionNetwork.Dutch);
        Assert.Equal((GtmReason.RegionFailover, "10.1.0.3"), (reason, address));
    }

    [Fact]
    public void When_every_target_of_the_region_is_down_the_nearest_healthy_pop_answers()
    {
        var f = new Fixture();
        f.Fail("lon1", "lon2", "fra1");
        // From the Netherlands, Ashburn is nearer than San Jose or Singapore.
        var (reason, address) = f.Decide(RegionNetwork.Track, RegionNetwork.Dutch);
        Assert.Equal((GtmReason.RegionNearest, "10.1.0.4"), (reason, address));
    }

    [Fact]
    public void One_down_server_of_a_pop_target_leaves_the_other()
    {
        var f = new Fixture();
        f.Fail("lon1");
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal((GtmReason.Region, "10.1.0.2"), f.Decide(RegionNetwork.Track, RegionNetwork.British));
        }
    }

    [Fact]
    public void Without_geo_data_the_node_answers_as_before()
    {
        var f = new Fixture(withGeo: false);
        var seen = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            var (reason, address) = f.Decide(RegionNetwork.Track, RegionNetwork.Dutch);
            Assert.Equal(GtmReason.Load, reason);
            seen.Add(address);
        }

        Assert.True(seen.Count > 3, "all candidates by weight, not only Europe's");
    }

    [Fact]
    public void Geoproximity_bias_moves_the_boundary()
    {
        var plain = new Fixture();
        // Iceland is ~1,900 km from London and ~4,700 km from Ashburn.
        Assert.Equal((GtmReason.Geoproximity, "10.1.0.1"), plain.Decide(RegionNetwork.Near, RegionNetwork.Icelandic));

        var biased = new Fixture(RegionNetwork.Create(h => h.Name == RegionNetwork.Near
            ? h with { Geoproximity = new Geoproximity(true, [new PopBias("iad", 70)]) }
            : h));
        Assert.Equal((GtmReason.Geoproximity, "10.1.0.4"), biased.Decide(RegionNetwork.Near, RegionNetwork.Icelandic));
        // The Netherlands stays with London even with Ashburn's bias.
        Assert.Equal((GtmReason.Geoproximity, "10.1.0.1"), biased.Decide(RegionNetwork.Near, RegionNetwork.Dutch));
    }

    [Fact]
    public void Unknown_latency_is_guessed_by_distance_when_geo_data_is_there()
    {
        var f = new Fixture(RegionNetwork.Create(h => h.Name == RegionNetwork.Near ? h with { UseLatency = true } : h));
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal((GtmReason.LatencyUnknown, "10.1.0.4"), f.Decide(RegionNetwork.Near, RegionNetwork.American));
            Assert.Equal((GtmReason.LatencyUnknown, "10.1.0.1"), f.Decide(RegionNetwork.Near, RegionNetwork.British));
        }
    }

    [Fact]
    public void Persistence_keeps_a_client_on_its_server_within_the_region()
    {
        var f = new Fixture(RegionNetwork.Create(h => h.Name == RegionNetwork.Track
            ? h with { Persistence = new PersistenceSettings(true, TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)) }
            : h));
        var first = f.Decide(RegionNetwork.Track, RegionNetwork.Dutch).Address;
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal((GtmReason.Persistence, first), f.Decide(RegionNetwork.Track, RegionNetwork.Dutch));
        }

        Assert.Equal(GtmReason.Region, f.Decide(RegionNetwork.Track, RegionNetwork.American).Reason);
    }

    [Fact]
    public void Trace_explains_the_decision_step_by_step()
    {
        var f = new Fixture();
        f.Fail("lon1", "lon2");
        var trace = new GtmTrace();
        f.Decide(RegionNetwork.Track, RegionNetwork.Dutch, trace);
        Assert.Equal("NL", trace.ClientCountry);
        Assert.Contains(trace.Steps, s => s.Contains("10.1.0.1", StringComparison.Ordinal) && s.Contains("down (the last probe", StringComparison.Ordinal));
        Assert.Contains(trace.Steps, s => s.Contains("Netherlands", StringComparison.Ordinal));
        Assert.Contains(trace.Steps, s => s.Contains("failover to target 2, fra1", StringComparison.Ordinal));
        Assert.Contains("10.1.0.3", trace.Steps[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Region_decisions_do_not_allocate()
    {
        var f = new Fixture();
        Assert.True(f.Gtm.TryGetHostname(RegionNetwork.Track, out var plan));
        var answers = new CandidatePlan?[8];
        var client = GtmClient.FromResolver(RegionNetwork.A(RegionNetwork.Dutch));
        f.Engine.Decide(plan, false, in client, answers);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5_000; i++)
        {
            f.Engine.Decide(plan, false, in client, answers);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Validator_requires_every_region_to_resolve_to_a_candidate()
    {
        var bad = RegionNetwork.Create(h => h.Name == RegionNetwork.Track
            ? h with
            {
                Regions = new RegionRouting(
                    [
                        new RegionRule(RegionKind.Continent, "XX", ["lon1"]),
                        new RegionRule(RegionKind.Country, "DE", ["nowhere"]),
                        new RegionRule(RegionKind.Country, "FR", []),
                        new RegionRule(RegionKind.Subdivision, "US-VA", ["pop:zzz"]),
                    ],
                    ["lon1", "lon1"]),
                Geoproximity = new Geoproximity(true, [new PopBias("lhr", 120)]),
            }
            : h);
        var errors = NetworkConfigurationValidator.Validate(bad).Errors.Select(e => e.Message).ToList();
        Assert.Contains(errors, e => e.Contains("region 'XX' is not a valid continent", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("names server 'nowhere', which is not one of its candidates", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("region 'FR' has no targets", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("POP 'zzz', which holds none of its candidates", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("lists target 'lon1' twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("bias 120", StringComparison.Ordinal));
        Assert.True(NetworkConfigurationValidator.Validate(RegionNetwork.Create()).IsValid);
    }

    [Fact]
    public void Canonical_form_sorts_rules_but_keeps_failover_order_and_round_trips()
    {
        var config = RegionNetwork.Create();
        var bytes = NetworkConfigurationSerializer.Serialize(config);
        var back = NetworkConfigurationSerializer.Deserialize(bytes);
        var track = back.Hostnames.Single(h => h.Name == RegionNetwork.Track);
        Assert.Equal(["pop:lhr", "fra1"], track.Regions!.Rules.Single(r => r.Code == "EU").Targets);
        Assert.Equal(bytes, NetworkConfigurationSerializer.Serialize(back));
        // A hostname without regions serializes without the new members (older documents keep their bytes).
        Assert.DoesNotContain("\"regions\"", System.Text.Encoding.UTF8.GetString(NetworkConfigurationSerializer.Serialize(TestNetwork.Create())), StringComparison.Ordinal);
        var diff = NetworkConfigurationDiff.Summarize(config, RegionNetwork.Create(h => h.Name == RegionNetwork.Track ? h with { Regions = h.Regions! with { Default = [] } } : h));
        Assert.Contains("track.example.test", diff, StringComparison.Ordinal);
    }
}
