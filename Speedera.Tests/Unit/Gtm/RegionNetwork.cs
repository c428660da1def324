using System.Net;
using Speedera.Core.Configuration;
using Speedera.Core.Geo;
using Speedera.Core.Gtm;

namespace Speedera.Tests.Unit.Gtm;

/// <summary>
/// The seed customer's network: London, Ashburn (US east), San Jose and Singapore POPs; Europe → London
/// (then Frankfurt), US → Ashburn, everyone else → San Jose. A tiny geo table stands in for DB-IP
/// (the addresses are only data here; nothing is dialled).
/// </summary>
internal static class RegionNetwork
{
    public const string Track = "track.example.test";
    public const string Near = "near.example.test";

    public static readonly GeoCountry[] Countries =
    [
        new("NL", "EU", 52.5, 5.75, "Netherlands"),
        new("GB", "EU", 54, -2, "United Kingdom"),
        new("US", "NA", 38, -97, "United States"),
        new("AU", "OC", -27, 133, "Australia"),
        new("IS", "EU", 65, -18, "Iceland"),
        new("BR", "SA", -10, -55, "Brazil"),
    ];

    /// <summary>Client addresses per country, as the tiny geo table places them.</summary>
    public const string Dutch = "193.0.6.139";
    public const string British = "18.130.0.1";
    public const string American = "52.95.110.1";
    public const string Australian = "1.1.1.1";
    public const string Icelandic = "130.208.0.1";
    public const string Brazilian = "200.160.2.3";

    public static GeoDatabase Geo()
    {
        var b = new GeoDatabaseBuilder(Countries);
        b.AddNetwork(A("193.0.0.0"), 8, "NL");
        b.AddNetwork(A("18.0.0.0"), 8, "GB");
        b.AddNetwork(A("52.0.0.0"), 8, "US");
        b.AddNetwork(A("1.0.0.0"), 8, "AU");
        b.AddNetwork(A("130.208.0.0"), 16, "IS");
        b.AddNetwork(A("200.0.0.0"), 8, "BR");
        return b.Build(1, "test", "test data");
    }

    public static ClientAddress A(string ip) => ClientAddress.FromIPAddress(IPAddress.Parse(ip));

    public static NetworkConfiguration Create(Func<Hostname, Hostname>? adjust = null)
    {
        var baseline = TestNetwork.Create();
        var servers = new List<Server>
        {
            new("lon1", "lhr", "10.1.0.1", ServerKind.Customer, [TestNetwork.Http]),
            new("lon2", "lhr", "10.1.0.2", ServerKind.Customer, [TestNetwork.Http]),
            new("fra1", "fra", "10.1.0.3", ServerKind.Customer, [TestNetwork.Http]),
            new("ash1", "iad", "10.1.0.4", ServerKind.Customer, [TestNetwork.Http]),
            new("sjc1", "sjc", "10.1.0.5", ServerKind.Customer, [TestNetwork.Http]),
            new("sin1", "sin", "10.1.0.6", ServerKind.Customer, [TestNetwork.Http]),
        };
        Candidate[] all = [.. servers.Select(s => new Candidate(s.Id, "http", 1, false))];
        var hostnames = new List<Hostname>
        {
            TestNetwork.Host(Track, useLatency: false, all) with
            {
                Regions = new RegionRouting(
                    [
                        new RegionRule(RegionKind.Continent, "EU", ["pop:lhr", "fra1"]),
                        new RegionRule(RegionKind.Country, "US", ["ash1"]),
                    ],
                    ["pop:sjc"]),
            },
            TestNetwork.Host(Near, useLatency: false, [new("lon1", "http", 1, false), new("ash1", "http", 1, false)]) with
            {
                Geoproximity = new Geoproximity(true, []),
            },
        };
        if (adjust is not null)
        {
            hostnames = [.. hostnames.Select(adjust)];
        }

        return baseline with
        {
            Pops =
            [
                new("fra", "Frankfurt", "Frankfurt", "DE", 50.1, 8.7, "net-a"),
                new("iad", "Ashburn", "Ashburn", "US", 39.04, -77.49, "net-b"),
                new("lhr", "London", "London", "GB", 51.5, -0.13, "net-a"),
                new("sin", "Singapore", "Singapore", "SG", 1.35, 103.8, "net-c"),
                new("sjc", "San Jose", "San Jose", "US", 37.3, -121.9, "net-c"),
            ],
            Servers = servers,
            Hostnames = hostnames,
        };
    }

    public static List<Speedera.Core.Probes.ServiceMetric> Healthy(DateTimeOffset at) =>
        [.. new[] { "lon1", "lon2", "fra1", "ash1", "sjc1", "sin1" }.Select(id => TestNetwork.Metric(id, 50, at))];
}
