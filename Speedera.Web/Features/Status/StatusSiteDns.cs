using System.Net;
using Speedera.Core.Configuration;
using Speedera.Core.Status;
using Speedera.Web.Features.Edge;

namespace Speedera.Web.Features.Status;

/// <summary>
/// Puts <see cref="StatusSite.Hostname"/> into our own authoritative zone: a GTM name whose candidates are the cache
/// nodes that serve the status site, each tested by the probes with a GET of the page itself (Host
/// status.speedera.net, 200 expected), so the DNS hands out only nodes that answer with the page.
/// </summary>
public static class StatusSiteDns
{
    /// <summary>Short, so a dead node leaves resolvers' caches quickly.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan TestInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The service id of the status page test on port <paramref name="port"/>.</summary>
    public static string ServiceId(int port) => $"status-page-{port}";

    /// <summary>
    /// Adds the status page test to the servers at the cache nodes' addresses (a new Speedera server where none is
    /// there) and returns the status hostname, or null when no cache node has a usable address or the name lies
    /// outside <paramref name="serviceZone"/>.
    /// </summary>
    public static Hostname? Add(string serviceZone, IEnumerable<EdgeNodeEntity> nodes, List<Server> servers)
    {
        if (!StatusSite.Hostname.EndsWith("." + serviceZone, StringComparison.Ordinal))
        {
            return null;
        }

        var candidates = new List<Candidate>();
        var endpoints = nodes
            .Where(n => n.Roles.HasFlag(NodeRoles.Cache) && n.CacheEndpoint is not null)
            .OrderBy(n => n.Id, StringComparer.Ordinal)
            .Select(n => (Node: n, Ok: IPEndPoint.TryParse(n.CacheEndpoint!, out var ep), EndPoint: ep))
            .Where(x => x.Ok && x.EndPoint!.Port > 0 && !x.EndPoint.Address.Equals(IPAddress.Any) && !x.EndPoint.Address.Equals(IPAddress.IPv6Any))
            // One address is one server: the first node on an address speaks for it (several nodes on one loopback
            // address differ only by port, which DNS cannot hand out).
            .GroupBy(x => x.EndPoint!.Address.ToString(), StringComparer.Ordinal);
        foreach (var group in endpoints)
        {
            var (node, _, endPoint) = group.First();
            var test = new ServiceCheck(ServiceId(endPoint!.Port), ServiceType.Http, endPoint.Port, StatusSite.PagePath, StatusSite.Hostname, 200, null, TestInterval, TestTimeout);
            var index = servers.FindIndex(s => s.Address == group.Key);
            if (index < 0)
            {
                servers.Add(new Server("status-" + group.Key.Replace('.', '-').Replace(':', '-'), node.PopId, group.Key, ServerKind.Edge, [test]));
            }
            else if (servers[index].Kind == ServerKind.Edge)
            {
                // A Speedera server already owns the address: the node runs on it, so the page test joins its tests.
                servers[index] = servers[index] with { Services = [.. servers[index].Services.Where(s => s.Id != test.Id), test] };
            }
            else
            {
                // A customer's GTM address (possible only on loopback test networks): never hand it out as ours.
                continue;
            }

            candidates.Add(new Candidate(index < 0 ? servers[^1].Id : servers[index].Id, test.Id, 1, false));
        }

        return candidates.Count == 0 ? null : new Hostname
        {
            Name = StatusSite.Hostname,
            Zone = serviceZone,
            Services = HostnameServices.Gtm,
            Ttl = Ttl,
            UseLatency = false,
            Candidates = candidates,
            Persistence = PersistenceSettings.Off,
            StaticMappings = [],
        };
    }
}
