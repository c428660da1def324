using Speedera.Core.Configuration;
using Speedera.Core.Gtm;
using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Gtm;

/// <summary>A small network configuration for the dns and gtm tests: one zone, three POPs, a few hostnames.</summary>
internal static class TestNetwork
{
    public const string Zone = "example.test";
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 30, TimeSpan.Zero);

    public static ServiceCheck Http { get; } = new("http", ServiceType.Http, 80, "/", null, 200, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));

    public static ServiceCheck NoLoad { get; } = new("noload", ServiceType.NoLoad, 80, null, null, 0, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));

    public static NetworkConfiguration Create(long version = 1, Func<Hostname, Hostname>? adjust = null, int txtRecords = 1)
    {
        var servers = new List<Server>
        {
            new("s1", "sjc", "10.0.0.1", ServerKind.Customer, [Http]),
            new("s2", "fra", "10.0.0.2", ServerKind.Customer, [Http]),
            new("s3", "nyc", "10.0.0.3", ServerKind.Customer, [Http]),
            new("s4", "sjc", "10.0.0.4", ServerKind.Customer, [Http]),
            new("s6", "fra", "2001:db8::6", ServerKind.Customer, [Http]),
            new("n1", "nyc", "10.0.0.9", ServerKind.Customer, [NoLoad]),
        };

        var hostnames = new List<Hostname>
        {
            Host("gtm.example.test", useLatency: true,
                [new("s1", "http", 1, false), new("s2", "http", 1, false), new("s3", "http", 1, false), new("s4", "http", 1, true), new("s6", "http", 1, false)],
                mappings: [new StaticMapping("203.0.113.0/24", ["s3"])]),
            Host("weighted.example.test", useLatency: false, [new("s1", "http", 3, false), new("s2", "http", 1, false)]),
            Host("failover.example.test", useLatency: false, [new("s1", "http", 1, false), new("s4", "http", 1, true)]),
            Host("persist.example.test", useLatency: false, [new("s1", "http", 1, false), new("s2", "http", 1, false), new("s3", "http", 1, false)],
                persistence: new PersistenceSettings(true, TimeSpan.FromMinutes(10), TimeSpan.FromHours(1))),
            Host("noload.example.test", useLatency: false, [new("n1", "noload", 1, false)]),
        };

        if (adjust is not null)
        {
            hostnames = [.. hostnames.Select(adjust)];
        }

        var records = new List<StaticRecord>
        {
            new("www.example.test", "CNAME", TimeSpan.FromMinutes(5), "gtm.example.test"),
            new("static.example.test", "A", TimeSpan.FromMinutes(5), "192.0.2.10"),
            new("static.example.test", "AAAA", TimeSpan.FromMinutes(5), "2001:db8::10"),
            new("a.b.example.test", "A", TimeSpan.FromMinutes(5), "192.0.2.11"),
            new("outside.example.test", "CNAME", TimeSpan.FromMinutes(5), "www.elsewhere.invalid"),
            new("deleg.example.test", "NS", TimeSpan.FromHours(1), "ns.deleg.example.test"),
            new("ns.deleg.example.test", "A", TimeSpan.FromHours(1), "192.0.2.99"),
        };
        for (int i = 0; i < txtRecords; i++)
        {
            records.Add(new("txt.example.test", "TXT", TimeSpan.FromMinutes(5), $"record {i:D3} " + new string('x', 60)));
        }

        return new NetworkConfiguration
        {
            AllowPrivateTargets = true,
            Version = version,
            GeneratedAt = Start,
            Pops =
            [
                new("fra", "Frankfurt", "Frankfurt", "DE", 50.1, 8.7, "net-a"),
                new("nyc", "New York", "New York", "US", 40.7, -74.0, "net-b"),
                new("sjc", "San Jose", "San Jose", "US", 37.3, -121.9, "net-c"),
            ],
            Servers = servers,
            Nodes = [],
            Zones =
            [
                new Zone(
                    Zone,
                    new SoaData("ns1.example.test", "hostmaster.example.test", 2026112201, TimeSpan.FromHours(1), TimeSpan.FromMinutes(10),
                        TimeSpan.FromDays(7), TimeSpan.FromMinutes(5), TimeSpan.FromHours(1)),
                    [new NameServer("ns1.example.test", ["192.0.2.53", "2001:db8::53"], TimeSpan.FromDays(1)), new NameServer("ns2.other.invalid", [], TimeSpan.FromDays(1))],
                    records),
            ],
            Hostnames = hostnames,
            Probes = new ProbeSettings(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), 100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30),
                TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(2), [LatencyMethod.Icmp], new Dictionary<string, IReadOnlyList<string>>(),
                new Dictionary<string, IReadOnlyList<string>>()),
        };
    }

    public static Hostname Host(string name, bool useLatency, IReadOnlyList<Candidate> candidates, PersistenceSettings? persistence = null,
        IReadOnlyList<StaticMapping>? mappings = null) => new()
    {
        Name = name,
        Zone = Zone,
        Services = HostnameServices.Gtm,
        Ttl = TimeSpan.FromSeconds(20),
        UseLatency = useLatency,
        Candidates = candidates,
        Persistence = persistence ?? PersistenceSettings.Off,
        StaticMappings = mappings ?? [],
    };

    /// <summary>Healthy metrics for every probed server, measured at <paramref name="at"/>.</summary>
    public static List<ServiceMetric> HealthyMetrics(DateTimeOffset at, int value = 50) =>
        [.. new[] { "s1", "s2", "s3", "s4", "s6" }.Select(id => new ServiceMetric(new ServiceKey(id, "http"), value, ProbeError.None, at, "probe-1"))];

    public static ServiceMetric Failed(string serverId, DateTimeOffset at) =>
        new(new ServiceKey(serverId, "http"), ServiceMetric.FailedValue, ProbeError.Timeout, at, "probe-1");

    public static ServiceMetric Metric(string serverId, int value, DateTimeOffset at) =>
        new(new ServiceKey(serverId, "http"), value, ProbeError.None, at, "probe-1");
}

/// <summary>Builds an engine over fresh tables with a fake clock and a seeded random source.</summary>
internal sealed class EngineFixture
{
    public EngineFixture(NetworkConfiguration? configuration = null, int seed = 42)
    {
        Configuration = configuration ?? TestNetwork.Create();
        Clock = new FakeTimeProvider(TestNetwork.Start);
        Metrics = new MetricsStore();
        Persistence = new PersistenceTable();
        Groups = new ClientGroupTracker();
        Engine = new GtmEngine(Metrics, Persistence, Groups, Clock, new SeededRandomSource(seed));
        Gtm = GtmConfiguration.Build(Configuration);
    }

    public NetworkConfiguration Configuration { get; }

    public FakeTimeProvider Clock { get; }

    public MetricsStore Metrics { get; }

    public PersistenceTable Persistence { get; }

    public ClientGroupTracker Groups { get; }

    public GtmEngine Engine { get; }

    public GtmConfiguration Gtm { get; }

    public static GtmClient Client(string resolver) => GtmClient.FromResolver(ClientAddress.FromIPAddress(System.Net.IPAddress.Parse(resolver)));

    public (GtmDecision Decision, string[] Addresses) Decide(string hostname, GtmClient client, bool v6 = false)
    {
        Assert.True(Gtm.TryGetHostname(hostname, out var plan));
        var answers = new CandidatePlan?[8];
        var decision = Engine.Decide(plan, v6, in client, answers);
        return (decision, [.. answers.Take(decision.Count).Select(a => a!.Address)]);
    }
}
