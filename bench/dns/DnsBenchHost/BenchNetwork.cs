using Speedera.Core.Configuration;
using Speedera.Core.Probes;

namespace DnsBenchHost;

/// <summary>
/// The benchmark zone; bench/dns/run.sh writes the same names for gdnsd: a weighted hostname, a
/// failover hostname (primary plus hidden failover), a latency-steered one, static records.
/// </summary>
internal static class BenchNetwork
{
    private static readonly ServiceCheck Http = new("http", ServiceType.Http, 80, "/", null, 200, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));

    public static NetworkConfiguration Create() => new()
    {
        Version = 1,
        GeneratedAt = DateTimeOffset.UnixEpoch,
        Pops = [new("p1", "Pop 1", "Ashburn", "US", 39.04, -77.49, "n1"), new("p2", "Pop 2", "Frankfurt", "DE", 50.11, 8.68, "n2"), new("p3", "Pop 3", "Tokyo", "JP", 35.68, 139.69, "n3")],
        Servers =
        [
            new("s1", "p1", "192.0.2.1", ServerKind.Customer, [Http]),
            new("s2", "p2", "192.0.2.2", ServerKind.Customer, [Http]),
            new("s3", "p3", "192.0.2.3", ServerKind.Customer, [Http]),
            new("s4", "p1", "192.0.2.4", ServerKind.Customer, [Http]),
        ],
        Nodes = [],
        Zones =
        [
            new Zone("bench.test",
                new SoaData("ns1.bench.test", "hostmaster.bench.test", 1, TimeSpan.FromHours(1), TimeSpan.FromMinutes(10), TimeSpan.FromDays(7), TimeSpan.FromMinutes(5), TimeSpan.FromHours(1)),
                [new NameServer("ns1.bench.test", ["127.0.0.1"], TimeSpan.FromDays(1))],
                [
                    new StaticRecord("static.bench.test", "A", TimeSpan.FromMinutes(5), "192.0.2.10"),
                    new StaticRecord("txt.bench.test", "TXT", TimeSpan.FromMinutes(5), "speedera bench"),
                    new StaticRecord("alias.bench.test", "CNAME", TimeSpan.FromMinutes(5), "www.bench.test"),
                ]),
        ],
        Hostnames =
        [
            Host("www.bench.test", false, [new("s1", "http", 3, false), new("s2", "http", 2, false), new("s3", "http", 1, false)]),
            Host("failover.bench.test", false, [new("s1", "http", 1, false), new("s4", "http", 1, true)]),
            Host("geo.bench.test", true, [new("s1", "http", 1, false), new("s2", "http", 1, false), new("s3", "http", 1, false)]),

            // Region routing (the seed customer's "Europe → London" kind): Europe → p2, the US → p1, everyone else → p3.
            Host("region.bench.test", false, [new("s1", "http", 1, false), new("s2", "http", 1, false), new("s3", "http", 1, false)]) with
            {
                Regions = new RegionRouting(
                    [new RegionRule(RegionKind.Continent, "EU", ["pop:p2", "s1"]), new RegionRule(RegionKind.Country, "US", ["s1", "s2"])],
                    ["s3"]),
            },
        ],
        Probes = new ProbeSettings(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), 100, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5),
            TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(2), [LatencyMethod.Icmp], new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, IReadOnlyList<string>>()),
    };

    private static readonly string[] HealthyServers = ["s1", "s2", "s3", "s4"];

    public static IReadOnlyList<ServiceMetric> Healthy(DateTimeOffset now) =>
        [.. HealthyServers.Select(id => new ServiceMetric(new ServiceKey(id, "http"), 40, ProbeError.None, now, "bench"))];

    public static IReadOnlyList<LatencyMeasurement> Latency(DateTimeOffset now) =>
    [
        new("p1", "127.0.0.0/24", "127.0.0.1", TimeSpan.FromMilliseconds(80), LatencyQuality.Full, now, "bench"),
        new("p2", "127.0.0.0/24", "127.0.0.1", TimeSpan.FromMilliseconds(10), LatencyQuality.Full, now, "bench"),
        new("p3", "127.0.0.0/24", "127.0.0.1", TimeSpan.FromMilliseconds(200), LatencyQuality.Full, now, "bench"),
    ];

    private static Hostname Host(string name, bool latency, IReadOnlyList<Candidate> candidates) => new()
    {
        Name = name,
        Zone = "bench.test",
        Services = HostnameServices.Gtm,
        Ttl = TimeSpan.FromSeconds(30),
        UseLatency = latency,
        Candidates = candidates,
        Persistence = PersistenceSettings.Off,
        StaticMappings = [],
    };
}
