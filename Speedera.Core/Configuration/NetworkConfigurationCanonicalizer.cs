namespace Speedera.Core.Configuration;

/// <summary>
/// Puts every unordered list of a document in ordinal order. Lists whose order means something
/// (<see cref="ProbeSettings.LatencyMethods"/>: the order methods are tried in) are kept as they are.
/// </summary>
public static class NetworkConfigurationCanonicalizer
{
    private static readonly StringComparer Ordinal = StringComparer.Ordinal;

    public static NetworkConfiguration Canonicalize(NetworkConfiguration c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c with
        {
            GeneratedAt = c.GeneratedAt.ToUniversalTime(),
            Pops = [.. c.Pops.OrderBy(p => p.Id, Ordinal)],
            Servers = [.. c.Servers.OrderBy(s => s.Id, Ordinal).Select(Canonicalize)],
            Nodes = [.. c.Nodes.OrderBy(n => n.Id, Ordinal)],
            Zones = [.. c.Zones.OrderBy(z => z.Name, Ordinal).Select(Canonicalize)],
            Hostnames = [.. c.Hostnames.OrderBy(h => h.Name, Ordinal).Select(Canonicalize)],
            Probes = Canonicalize(c.Probes),
            InfrastructureAddresses = [.. c.InfrastructureAddresses.Order(Ordinal)],
        };
    }

    private static Server Canonicalize(Server s) =>
        s with { Services = [.. s.Services.OrderBy(x => x.Id, Ordinal)] };

    private static Zone Canonicalize(Zone z) => z with
    {
        NameServers = [.. z.NameServers
            .OrderBy(n => n.Name, Ordinal)
            .Select(n => n with { Addresses = Sorted(n.Addresses) })],
        Records = [.. z.Records
            .OrderBy(r => r.Name, Ordinal)
            .ThenBy(r => r.Type, Ordinal)
            .ThenBy(r => r.Data, Ordinal)
            .ThenBy(r => r.Ttl)],
    };

    private static Hostname Canonicalize(Hostname h) => h with
    {
        Candidates = [.. h.Candidates
            .OrderBy(x => x.ServerId, Ordinal)
            .ThenBy(x => x.ServiceId, Ordinal)
            .ThenBy(x => x.HiddenFailover)
            .ThenBy(x => x.Weight)],
        StaticMappings = [.. h.StaticMappings
            .OrderBy(m => m.ClientPrefix, Ordinal)
            .Select(m => m with { ServerIds = Sorted(m.ServerIds) })],
        Cache = h.Cache is null ? null : h.Cache with { Aliases = Sorted(h.Cache.Aliases) },

        // Rules are sorted by region; targets keep their order (it is the failover order).
        Regions = h.Regions is null ? null : h.Regions with
        {
            Rules = [.. h.Regions.Rules.OrderBy(r => r.Kind).ThenBy(r => r.Code, Ordinal).Select(r => r with { Targets = [.. r.Targets] })],
            Default = [.. h.Regions.Default],
        },
        Geoproximity = h.Geoproximity is null ? null : h.Geoproximity with { Biases = [.. h.Geoproximity.Biases.OrderBy(b => b.PopId, Ordinal)] },
    };

    private static ProbeSettings Canonicalize(ProbeSettings p) => p with
    {
        ServiceProbeNodes = Sorted(p.ServiceProbeNodes),
        LatencyProbeNodes = Sorted(p.LatencyProbeNodes),
    };

    private static string[] Sorted(IEnumerable<string> values) => [.. values.Order(Ordinal)];

    private static SortedDictionary<string, IReadOnlyList<string>> Sorted(IReadOnlyDictionary<string, IReadOnlyList<string>> map)
    {
        var sorted = new SortedDictionary<string, IReadOnlyList<string>>(Ordinal);
        foreach (var (key, value) in map)
        {
            sorted[key] = Sorted(value);
        }

        return sorted;
    }
}
