using Speedera.Core.Configuration;

namespace Speedera.Tests.Unit.Configuration;

/// <summary>A small valid network: two POPs, edge and customer servers, one zone, a CDN and a GTM hostname.</summary>
internal static class SampleConfiguration
{
    public static readonly DateTimeOffset At = new(2026, 11, 22, 1, 2, 3, TimeSpan.Zero);

    public static NetworkConfiguration Create(long version = 7) => new()
    {
        Version = version,
        AllowPrivateTargets = true,
        GeneratedAt = At,
        Pops =
        [
            new Pop("sjc", "San Jose", "San Jose", "US", 37.33, -121.89, "net-a"),
            new Pop("ams", "Amsterdam", "Amsterdam", "NL", 52.37, 4.9, "net-b"),
        ],
        Servers =
        [
            new Server("sjc-edge-1", "sjc", "127.0.10.1", ServerKind.Edge, [Http("http"), new ServiceCheck("tcp", ServiceType.Tcp, 443, null, null, 0, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2))]),
            new Server("ams-edge-1", "ams", "127.0.20.1", ServerKind.Edge, [Http("http")]),
            new Server("cust-a-1", "ams", "127.0.30.1", ServerKind.Customer, [Http("http")]),
            new Server("cust-a-2", "sjc", "127.0.30.2", ServerKind.Customer, [Http("http")]),
        ],
        Nodes =
        [
            new EdgeNode("node-sjc-1", "sjc", NodeRoles.Dns | NodeRoles.Probe | NodeRoles.Cache, "127.0.10.1:8053", "127.0.10.1:9100", "127.0.10.1:8080", null),
            new EdgeNode("node-ams-1", "ams", NodeRoles.Probe | NodeRoles.Cache, null, "127.0.20.1:9100", "127.0.20.1:8080", null),
        ],
        Zones =
        [
            new Zone(
                "speedera.net",
                new SoaData("ns1.speedera.net", "hostmaster.speedera.net", 2026112201, TimeSpan.FromHours(1), TimeSpan.FromMinutes(15), TimeSpan.FromDays(14), TimeSpan.FromMinutes(5), TimeSpan.FromHours(1)),
                [new NameServer("ns1.speedera.net", ["127.0.10.1"], TimeSpan.FromDays(1))],
                [new StaticRecord("www.speedera.net", "A", TimeSpan.FromMinutes(5), "127.0.10.1")]),
            new Zone(
                "gtm.example.com",
                new SoaData("ns1.speedera.net", "hostmaster.speedera.net", 1, TimeSpan.FromHours(1), TimeSpan.FromMinutes(15), TimeSpan.FromDays(14), TimeSpan.FromMinutes(5), TimeSpan.FromHours(1)),
                [new NameServer("ns1.speedera.net", [], TimeSpan.FromDays(1))],
                []),
        ],
        Hostnames =
        [
            new Hostname
            {
                Name = "customer.speedera.net",
                Zone = "speedera.net",
                Services = HostnameServices.Cdn | HostnameServices.Gtm,
                Ttl = TimeSpan.FromSeconds(20),
                UseLatency = true,
                Candidates = [new Candidate("sjc-edge-1", "http", 100, false), new Candidate("ams-edge-1", "http", 50, false)],
                Persistence = PersistenceSettings.Off,
                StaticMappings = [new StaticMapping("10.1.0.0/16", ["ams-edge-1"])],
                Cache = new CacheSettings("origin.customer.example", "https", 443, "www.customer.example", TimeSpan.FromMinutes(10), true, ["www.customer.example"]),
            },
            new Hostname
            {
                Name = "track.gtm.example.com",
                Zone = "gtm.example.com",
                Services = HostnameServices.Gtm,
                Ttl = TimeSpan.FromSeconds(30),
                UseLatency = true,
                Candidates = [new Candidate("cust-a-1", "http", 10, false), new Candidate("cust-a-2", "http", 10, true)],
                Persistence = new PersistenceSettings(true, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1)),
                StaticMappings = [],
                Cache = null,
            },
        ],
        Probes = new ProbeSettings(
            TimeSpan.FromSeconds(10),
            TimeSpan.FromSeconds(2),
            SendSize: 100,
            SendInterval: TimeSpan.FromSeconds(1),
            MetricStaleAfter: TimeSpan.FromSeconds(30),
            LatencyStaleAfter: TimeSpan.FromMinutes(30),
            LatencyTimeout: TimeSpan.FromSeconds(2),
            LatencyMethods: [LatencyMethod.Icmp, LatencyMethod.DnsPtr, LatencyMethod.UdpHighPort],
            ServiceProbeNodes: new Dictionary<string, IReadOnlyList<string>> { ["sjc"] = ["node-sjc-1"], ["ams"] = ["node-ams-1"] },
            LatencyProbeNodes: new Dictionary<string, IReadOnlyList<string>> { ["sjc"] = ["node-sjc-1"] }),
    };

    public static ServiceCheck Http(string id, int port = 80) =>
        new(id, ServiceType.Http, port, "/health", null, 200, "ok", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));
}
