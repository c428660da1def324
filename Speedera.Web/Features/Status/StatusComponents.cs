using Speedera.Core.Configuration;
using Speedera.Web.Features.Incidents;

namespace Speedera.Web.Features.Status;

/// <summary>Statuspage's component states, worst last.</summary>
public enum ComponentState
{
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

public sealed record ComponentStatus(string Id, string Name, ComponentState State, string Detail);

/// <summary>The public components (DNS, CDN per region, portal, REST API) and how the network's data puts them.</summary>
public static class StatusComponents
{
    public const string Dns = "dns";
    public const string Portal = "portal";
    public const string Api = "api";

    public static string StatusName(ComponentState state) => state switch
    {
        ComponentState.Operational => "operational",
        ComponentState.UnderMaintenance => "under_maintenance",
        ComponentState.DegradedPerformance => "degraded_performance",
        ComponentState.PartialOutage => "partial_outage",
        _ => "major_outage",
    };

    public static string Label(ComponentState state) => state switch
    {
        ComponentState.Operational => "Operational",
        ComponentState.UnderMaintenance => "Under maintenance",
        ComponentState.DegradedPerformance => "Degraded performance",
        ComponentState.PartialOutage => "Partial outage",
        _ => "Major outage",
    };

    /// <summary>Every component id with its display name, in page order.</summary>
    public static IReadOnlyList<(string Id, string Name)> Catalogue(NocSnapshot s)
    {
        var list = new List<(string, string)> { (Dns, "DNS") };
        foreach (var region in Regions.All.Where(r => s.Pops.Any(p => p.Region == r.Id)))
        {
            list.Add(("cdn-" + region.Id, "CDN " + region.Name));
        }

        list.Add((Portal, "Customer portal"));
        list.Add((Api, "REST API"));
        return list;
    }

    public static IReadOnlyList<ComponentStatus> Compute(NocSnapshot s, AlertOptions o, IReadOnlyList<FiringAlert> alerts, IReadOnlyCollection<string> underMaintenance, DateTime? observingSince = null)
    {
        // As for the heartbeat rule: silence while this control plane was not running is not held against a node.
        bool Up(NodeView n) => n.LastHeartbeatAt is { } at && s.Now - (observingSince > at ? observingSince.Value : at) <= o.HeartbeatMissingAfter;
        var result = new List<ComponentStatus>();
        foreach (var (id, name) in Catalogue(s))
        {
            var (state, detail) = id switch
            {
                Dns => Grade(s.Nodes.Where(n => (n.Roles & NodeRoles.Dns) != 0 && n.LastHeartbeatAt is not null).ToList(), Up, "DNS nodes",
                    alerts.Any(a => a.Rule == AlertRules.DnsErrors)),
                Portal or Api => (ComponentState.Operational, "Answering"),
                _ => Cdn(id["cdn-".Length..]),
            };
            if (state == ComponentState.Operational && underMaintenance.Contains(id))
            {
                state = ComponentState.UnderMaintenance;
            }

            result.Add(new ComponentStatus(id, name, state, detail));
        }

        return result;

        (ComponentState, string) Cdn(string region)
        {
            var pops = s.Pops.Where(p => p.Region == region).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            var nodes = s.Nodes.Where(n => (n.Roles & NodeRoles.Cache) != 0 && n.LastHeartbeatAt is not null && pops.Contains(n.PopId)).ToList();
            var (state, detail) = Grade(nodes, Up, "cache nodes", false);
            var servers = s.EdgeServices.Where(e => pops.Contains(e.PopId)).GroupBy(e => e.ServerId).ToList();
            var failing = servers.Count(g => g.Any(e => e.Failing));
            if (servers.Count > 0 && failing > 0)
            {
                var serverState = failing == servers.Count ? ComponentState.MajorOutage : ComponentState.PartialOutage;
                if (serverState > state)
                {
                    state = serverState;
                }

                detail += $"; {failing} of {servers.Count} cache servers fail their service tests";
            }

            return (state, detail);
        }
    }

    private static (ComponentState, string) Grade(List<NodeView> nodes, Func<NodeView, bool> up, string what, bool degraded)
    {
        if (nodes.Count == 0)
        {
            return (ComponentState.Operational, $"No {what} reporting yet");
        }

        var count = nodes.Count(up);
        var state = count == 0 ? ComponentState.MajorOutage
            : count < nodes.Count ? ComponentState.PartialOutage
            : degraded ? ComponentState.DegradedPerformance
            : ComponentState.Operational;
        return (state, $"{count} of {nodes.Count} {what} up");
    }
}
