using System.Diagnostics;
using System.Globalization;
using Speedera.Core.Configuration;

// Generates, validates, serializes, signs and verifies a network configuration of the given size,
// and reports the time of each step and the process's peak memory.
var hostnames = Arg(args, 0, 100_000);
var pops = Arg(args, 1, 500);
var servers = Arg(args, 2, 5_000);
var candidatesPerCdnHostname = Arg(args, 3, 8);

var total = Stopwatch.StartNew();
var sw = Stopwatch.StartNew();
var config = BenchNetwork.Create(hostnames, pops, servers, candidatesPerCdnHostname);
var generate = sw.Elapsed;

sw.Restart();
var validation = NetworkConfigurationValidator.Validate(config);
var validate = sw.Elapsed;
if (!validation.IsValid)
{
    Console.Error.WriteLine($"invalid ({validation.Errors.Count} errors): {string.Join("; ", validation.Errors.Take(5))}");
    return 1;
}

using var key = ConfigurationKeys.CreateSigningKey();
sw.Restart();
var envelope = SignedConfiguration.Sign(config, key);
var sign = sw.Elapsed;

sw.Restart();
var json = envelope.ToJsonBytes();
var envelopeTime = sw.Elapsed;

sw.Restart();
if (!SignedConfiguration.TryParse(json, out var parsed, out var parseError) || !parsed!.TryVerify(key, out var back, out var error, out var detail))
{
    Console.Error.WriteLine($"verification failed: {parseError}");
    return 1;
}

var verify = sw.Elapsed;
sw.Restart();
var revalidated = NetworkConfigurationValidator.Validate(back!);
var revalidate = sw.Elapsed;
total.Stop();

using var process = Process.GetCurrentProcess();
process.Refresh();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
    network: {hostnames:N0} hostnames, {pops:N0} POPs, {servers:N0} servers, {config.Nodes.Count:N0} nodes, {config.Zones.Count:N0} zones, {candidatesPerCdnHostname} candidates per CDN hostname
    generate (build the model)          {generate.TotalMilliseconds,9:F0} ms
    validate                            {validate.TotalMilliseconds,9:F0} ms
    serialize + SHA-256 + ECDSA sign    {sign.TotalMilliseconds,9:F0} ms
    envelope to JSON                    {envelopeTime.TotalMilliseconds,9:F0} ms
    parse + verify on a node            {verify.TotalMilliseconds,9:F0} ms
    validate on a node                  {revalidate.TotalMilliseconds,9:F0} ms
    total                               {total.Elapsed.TotalMilliseconds,9:F0} ms
    document {envelope.Document.Length / 1048576.0:F1} MiB, envelope {json.Length / 1048576.0:F1} MiB, sha256 {envelope.Hash[..16]}..., valid on the node: {revalidated.IsValid}
    peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB, total allocated {GC.GetTotalAllocatedBytes() / 1048576.0:F0} MiB
    """));
return revalidated.IsValid ? 0 : 1;

static int Arg(string[] args, int index, int fallback) =>
    args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

internal static class BenchNetwork
{
    public static NetworkConfiguration Create(int hostnameCount, int popCount, int serverCount, int cdnCandidates)
    {
        var random = new Random(42);
        var popList = Enumerable.Range(0, popCount)
            .Select(i => new Pop($"pop{i:D4}", $"POP {i}", $"City {i}", "XX", random.NextDouble() * 160 - 80, random.NextDouble() * 340 - 170, $"net-{i % 37}"))
            .ToList();
        var http = new ServiceCheck("http-80", ServiceType.Http, 80, "/health", null, 200, null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));

        // Four of five servers are Speedera edge caches, the rest customer servers for GTM names.
        var serverList = new List<Server>(serverCount);
        for (var i = 0; i < serverCount; i++)
        {
            var kind = i % 5 == 4 ? ServerKind.Customer : ServerKind.Edge;
            serverList.Add(new Server($"s{i:D5}", popList[i % popCount].Id, $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}", kind, [http]));
        }

        var edge = serverList.Where(s => s.Kind == ServerKind.Edge).ToList();
        var customer = serverList.Where(s => s.Kind == ServerKind.Customer).ToList();
        var nodes = popList.SelectMany((p, i) => new[]
        {
            new EdgeNode($"{p.Id}-dns", p.Id, NodeRoles.Dns | NodeRoles.Probe, $"127.1.{i / 256}.{i % 256}:53", $"127.1.{i / 256}.{i % 256}:9100", null, null),
            new EdgeNode($"{p.Id}-cache", p.Id, NodeRoles.Cache | NodeRoles.LoadP, null, null, $"127.2.{i / 256}.{i % 256}:80", $"127.2.{i / 256}.{i % 256}:9200"),
        }).ToList();

        var soa = new SoaData("ns1.speedera.net", "hostmaster.speedera.net", 1, TimeSpan.FromHours(1), TimeSpan.FromMinutes(15), TimeSpan.FromDays(14), TimeSpan.FromMinutes(5), TimeSpan.FromHours(1));
        var nameServers = nodes.Where(n => n.Roles.HasFlag(NodeRoles.Dns)).Take(8)
            .Select((n, i) => new NameServer($"ns{i + 1}.speedera.net", [n.DnsEndpoint!.Split(':')[0]], TimeSpan.FromDays(1))).ToList();
        var zones = new List<Zone> { new("speedera.net", soa, nameServers, []) };

        var hostnames = new List<Hostname>(hostnameCount);
        for (var i = 0; i < hostnameCount; i++)
        {
            var cdn = i % 10 < 7;
            string name, zone;
            if (i % 50 == 0)
            {
                // One in fifty is a customer's own delegated name, served as its own zone.
                name = zone = $"www.customer{i}.example";
                zones.Add(new Zone(zone, soa, [.. nameServers.Select(ns => ns with { Addresses = [] })], []));
            }
            else
            {
                name = $"h{i}.speedera.net";
                zone = "speedera.net";
            }

            IReadOnlyList<Candidate> candidates = cdn
                ? [.. Enumerable.Range(0, cdnCandidates).Select(k => new Candidate(edge[(i * 7 + k * 131) % edge.Count].Id, "http-80", 1, false)).DistinctBy(c => c.ServerId)]
                : [.. Enumerable.Range(0, 3).Select(k => new Candidate(customer[(i + k * 97) % customer.Count].Id, "http-80", 10, k == 2)).DistinctBy(c => c.ServerId)];
            hostnames.Add(new Hostname
            {
                Name = name,
                Zone = zone,
                Services = cdn ? HostnameServices.Cdn | HostnameServices.Gtm : HostnameServices.Gtm,
                Ttl = TimeSpan.FromSeconds(30),
                UseLatency = true,
                Candidates = candidates,
                Persistence = i % 3 == 0 ? new PersistenceSettings(true, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1)) : PersistenceSettings.Off,
                StaticMappings = [],
                Cache = cdn ? new CacheSettings($"origin{i}.customer.example", "https", 443, $"www{i}.customer.example", TimeSpan.FromHours(1), true, []) : null,
            });
        }

        var probeNodes = nodes.Where(n => n.Roles.HasFlag(NodeRoles.Probe))
            .GroupBy(n => n.PopId).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(n => n.Id)]);
        return new NetworkConfiguration
        {
            Version = 1,
            AllowPrivateTargets = true,
            GeneratedAt = DateTimeOffset.UtcNow,
            Pops = popList,
            Servers = serverList,
            Nodes = nodes,
            Zones = zones,
            Hostnames = hostnames,
            Probes = new ProbeSettings(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), 100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(2),
                [LatencyMethod.Icmp, LatencyMethod.TcpDns, LatencyMethod.DnsPtr, LatencyMethod.UdpHighPort], probeNodes, probeNodes),
        };
    }
}
