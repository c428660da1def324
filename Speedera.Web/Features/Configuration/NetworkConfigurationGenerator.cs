using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Configuration;

/// <summary>
/// Builds the whole network configuration from the database: POPs, enabled Speedera servers,
/// enrolled nodes, the service zone and customers' own names, and every active hostname. No
/// customer names or billing data go in (patent: only what the network needs).
/// </summary>
public sealed class NetworkConfigurationGenerator(SpeederaDbContext db, IOptions<SpeederaOptions> options)
{
    internal static readonly ProbeSettings DefaultProbes = new(
        DefaultServiceInterval: TimeSpan.FromSeconds(10),
        DefaultServiceTimeout: TimeSpan.FromSeconds(5),
        SendSize: 100,
        SendInterval: TimeSpan.FromSeconds(1),
        MetricStaleAfter: TimeSpan.FromSeconds(30),
        LatencyStaleAfter: TimeSpan.FromMinutes(30),
        LatencyTimeout: TimeSpan.FromSeconds(2),
        LatencyMethods: [LatencyMethod.Icmp, LatencyMethod.TcpDns, LatencyMethod.DnsPtr, LatencyMethod.UdpHighPort],
        ServiceProbeNodes: new Dictionary<string, IReadOnlyList<string>>(),
        LatencyProbeNodes: new Dictionary<string, IReadOnlyList<string>>());

    private static readonly TimeSpan NameServerTtl = TimeSpan.FromDays(1);

    public async Task<NetworkConfiguration> GenerateAsync(long version, DateTimeOffset generatedAt, CancellationToken cancellationToken)
    {
        var serviceZone = options.Value.ServiceZone;
        var pops = await db.Pops.AsNoTracking().ToListAsync(cancellationToken);
        var servers = await db.Servers.AsNoTracking().Include(s => s.Services).Where(s => s.Enabled).ToListAsync(cancellationToken);
        var nodes = await db.EdgeNodes.AsNoTracking().ToListAsync(cancellationToken);
        var hostnames = await db.Hostnames.AsNoTracking().Include(h => h.Addresses)
            .Where(h => h.Verification == VerificationState.Active).ToListAsync(cancellationToken);
        var gtmPolicies = await db.GtmPolicies.AsNoTracking().ToDictionaryAsync(p => p.HostnameId, cancellationToken);

        var edgeServers = servers.Select(s => new Server(
            ServerId(s),
            s.PopId,
            s.Address,
            ServerKind.Edge,
            [.. s.Services.Select(x => new ServiceCheck(
                ServiceId(x.Type, x.Port), x.Type, x.Port, x.Path, null, x.ExpectedStatus, x.ExpectedContent, x.Interval, x.Timeout))])).ToList();

        var gtmOnly = hostnames.Where(h => !h.Services.HasFlag(HostnameServices.Cdn)).ToList();
        var customerServers = gtmOnly
            .SelectMany(h => h.Addresses.Select(a => (Hostname: h, Address: a)))
            .GroupBy(x => x.Address.Address, StringComparer.Ordinal)
            .Select(g => new Server(
                CustomerServerId(g.Key),
                g.Select(x => x.Address.PopId).Order(StringComparer.Ordinal).First(),
                g.Key,
                ServerKind.Customer,
                [.. g.Select(x => x.Hostname).DistinctBy(h => h.Name).Select(HostnameTest)]))
            .ToList();

        var edgeCandidates = edgeServers
            .SelectMany(s => s.Services.Where(x => x.Type is ServiceType.Http or ServiceType.Https).Take(1).Select(x => new Candidate(s.Id, x.Id, 1, false)))
            .ToList();

        var dnsNodes = nodes.Where(n => n.Roles.HasFlag(NodeRoles.Dns) && n.DnsEndpoint is not null)
            .OrderBy(n => n.Id, StringComparer.Ordinal).ToList();
        // The zone's NS names are fixed (customers delegate to them); their glue is every dns node's
        // address, or the configured fallback before any dns node is enrolled.
        var glue = dnsNodes
            .Select(n => IPEndPoint.TryParse(n.DnsEndpoint!, out var ep) ? ep.Address.ToString() : n.DnsEndpoint!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (glue.Count == 0)
        {
            glue = [.. options.Value.NameServerFallbackAddresses];
        }

        var nameServers = options.Value.NameServerNames()
            .Select(name => new NameServer(name, glue, NameServerTtl))
            .ToList();
        var serial = (uint)Math.Min(version, uint.MaxValue);

        var zones = new List<Zone> { NewZone(serviceZone, serviceZone, serial, nameServers) };
        foreach (var h in hostnames.Where(h => h.Kind == HostnameKind.CustomerOwned).OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            zones.Add(NewZone(h.Name, serviceZone, serial, [.. nameServers.Select(ns => ns with { Addresses = [] })]));
        }

        var configHostnames = new List<Hostname>();
        List<Server> allServers = [.. edgeServers, .. customerServers];
        if (Status.StatusSiteDns.Add(serviceZone, nodes, allServers) is { } statusHostname)
        {
            configHostnames.Add(statusHostname);
        }

        foreach (var h in hostnames.Where(IsPublishable))
        {
            var (regions, geoproximity) = !h.Services.HasFlag(HostnameServices.Cdn) && gtmPolicies.TryGetValue(h.Id, out var policy)
                ? Gtm.Policy.GtmPolicy.FromJson(policy.PolicyJson).ToConfiguration(CustomerServerId)
                : (null, null);
            var hostname = new Hostname
            {
                Name = h.Name,
                Zone = h.Kind == HostnameKind.CustomerOwned ? h.Name : serviceZone,
                Services = h.Services,
                Ttl = TimeSpan.FromSeconds(h.TtlSeconds),
                UseLatency = h.UseLatency,
                Candidates = h.Services.HasFlag(HostnameServices.Cdn)
                    ? edgeCandidates
                    : [.. h.Addresses.Select(a => new Candidate(CustomerServerId(a.Address), h.Name, a.Weight, a.HiddenFailover))],
                Persistence = h.PersistenceEnabled
                    ? new PersistenceSettings(true, h.PersistenceAccessTimeout, h.PersistenceRefreshTimeout)
                    : PersistenceSettings.Off,
                StaticMappings = [],
                Cache = h.Services.HasFlag(HostnameServices.Cdn)
                    ? new CacheSettings(h.Origin ?? "", h.OriginScheme, h.OriginPort, h.OriginHostHeader, h.CacheDefaultTtl, h.HonorOriginHeaders, [])
                    : null,
                Regions = regions,
                Geoproximity = geoproximity,
            };
            configHostnames.Add(hostname);

            // A customer's own name is either delegated to us (its own zone above) or CNAMEd to its alias in ours.
            if (h.Kind == HostnameKind.CustomerOwned && h.Alias is { } alias)
            {
                configHostnames.Add(hostname with
                {
                    Name = alias,
                    Zone = serviceZone,
                    Cache = hostname.Cache is { } cache ? cache with { Aliases = [h.Name] } : null,
                });
            }
        }

        return new NetworkConfiguration
        {
            Version = version,
            GeneratedAt = generatedAt,
            Pops = [.. pops.Select(p => new Pop(p.Id, p.Name, p.City, p.Country, p.Latitude, p.Longitude, p.Network))],
            Servers = allServers,
            Nodes = [.. nodes.Select(n => new EdgeNode(n.Id, n.PopId, n.Roles, n.DnsEndpoint, n.MetricsEndpoint, n.CacheEndpoint, n.LoadPEndpoint))],
            Zones = zones,
            Hostnames = configHostnames,
            Probes = DefaultProbes with
            {
                ServiceProbeNodes = ServiceProbeAssignments(pops, nodes),
                LatencyProbeNodes = ProbeNodes(nodes),
            },
            AllowPrivateTargets = options.Value.Security.AllowPrivateTargets,
            InfrastructureAddresses = [.. options.Value.Security.InfrastructureAddresses
                .Select(a => IPAddress.TryParse(a, out var ip) ? ip.ToString() : a)
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)],
        };
    }

    /// <summary>
    /// A hostname goes into the network once it has something to hand out: a GTM hostname needs a
    /// visible address, a CDN hostname an origin. Until then the portal shows it as not yet serving.
    /// </summary>
    internal static bool IsPublishable(HostnameEntity h) =>
        h.Services.HasFlag(HostnameServices.Cdn)
            ? !string.IsNullOrEmpty(h.Origin)
            : h.Addresses.Any(a => !a.HiddenFailover);

    /// <summary>
    /// Each POP's servers are tested by the probe nodes in that POP; a POP without one of its own is
    /// tested by every probe node, so no server goes unwatched.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<string>> ServiceProbeAssignments(List<PopEntity> pops, List<Speedera.Web.Features.Edge.EdgeNodeEntity> nodes)
    {
        var local = ProbeNodes(nodes);
        var all = nodes.Where(n => n.Roles.HasFlag(NodeRoles.Probe)).Select(n => n.Id).Order(StringComparer.Ordinal).ToList();
        return all.Count == 0
            ? local
            : pops.ToDictionary(p => p.Id, p => local.TryGetValue(p.Id, out var own) ? own : all, StringComparer.Ordinal);
    }

    private static Dictionary<string, IReadOnlyList<string>> ProbeNodes(List<Speedera.Web.Features.Edge.EdgeNodeEntity> nodes) =>
        nodes.Where(n => n.Roles.HasFlag(NodeRoles.Probe))
            .GroupBy(n => n.PopId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(n => n.Id)], StringComparer.Ordinal);

    private static Zone NewZone(string name, string serviceZone, uint serial, List<NameServer> nameServers) => new(
        name,
        new SoaData(
            nameServers.Count > 0 ? nameServers[0].Name : $"ns1.{serviceZone}",
            $"hostmaster.{serviceZone}",
            serial,
            Refresh: TimeSpan.FromHours(1),
            Retry: TimeSpan.FromMinutes(15),
            Expire: TimeSpan.FromDays(14),
            NegativeTtl: TimeSpan.FromMinutes(5),
            Ttl: TimeSpan.FromHours(1)),
        nameServers,
        []);

    /// <summary>The test a GTM hostname defines, run against each of its addresses; the service id is the hostname.</summary>
    private static ServiceCheck HostnameTest(HostnameEntity h) => new(
        h.Name, h.TestType, h.TestPort, h.TestPath, h.Name, h.TestExpectedStatus, h.TestExpectedContent, h.TestInterval, h.TestTimeout);

    internal static string ServerId(ServerEntity s) =>
        NetworkConfigurationValidator.ValidId(s.Name) ? s.Name : "srv-" + s.Id.ToString("N");

    internal static string ServiceId(ServiceType type, int port) =>
        $"{type.ToString().ToLowerInvariant()}-{port}";

    internal static string CustomerServerId(string address) =>
        "cust-" + address.Replace('.', '-').Replace(':', '-').ToLowerInvariant();
}
