using Speedera.Core.Configuration;

namespace Speedera.Web.Features.Incidents;

/// <summary>An alert that holds now: which rule, about what, why, and which status components it touches.</summary>
public sealed record FiringAlert(string Rule, string Subject, string Title, string Detail, IncidentImpact Impact, IReadOnlyList<string> Components)
{
    public string Key => $"{Rule}:{Subject}";
}

/// <summary>The alert rules: pure functions of a <see cref="NocSnapshot"/>, so each can be shown to fire and clear.</summary>
public static class AlertRules
{
    public const string HeartbeatMissing = "heartbeat-missing";
    public const string ConfigBehind = "config-behind";
    public const string PopCacheFailing = "pop-cache-failing";
    public const string ProbeStale = "probe-stale";
    public const string DnsErrors = "dns-errors";
    public const string OriginErrors = "origin-errors";

    /// <param name="observingSince">
    /// Since when this control plane has been evaluating without a break: nodes cannot heartbeat to a control plane that
    /// is down, so silence is counted from then at the earliest (no false alarms after a control-plane restart).
    /// </param>
    public static IReadOnlyList<FiringAlert> Evaluate(NocSnapshot s, AlertOptions o, DateTime? observingSince = null)
    {
        var alerts = new List<FiringAlert>();
        var popRegion = s.Pops.ToDictionary(p => p.Id, p => p.Region, StringComparer.Ordinal);
        string Region(string popId) => popRegion.GetValueOrDefault(popId) ?? "europe";

        foreach (var node in s.Nodes.Where(n => n.LastHeartbeatAt is not null))
        {
            var silent = s.Now - (observingSince is { } since && since > node.LastHeartbeatAt!.Value ? since : node.LastHeartbeatAt!.Value);
            if (silent > o.HeartbeatMissingAfter)
            {
                alerts.Add(new FiringAlert(HeartbeatMissing, node.Id, $"Node {node.Id} ({node.PopId}) is not sending heartbeats",
                    $"Last heartbeat {silent.TotalSeconds:F0} s ago ({node.LastHeartbeatAt:u}).", IncidentImpact.Major, ComponentsOf(node, Region)));
                continue;
            }

            if (s.LatestVersion is { } latest && s.LatestPublishedAt is { } publishedAt
                && (node.RunningVersion ?? 0) < latest && s.Now - publishedAt > o.ConfigBehindAfter)
            {
                alerts.Add(new FiringAlert(ConfigBehind, node.Id, $"Node {node.Id} is behind on configuration",
                    $"Runs version {node.RunningVersion?.ToString() ?? "none"}; version {latest} was published {(s.Now - publishedAt).TotalSeconds:F0} s ago.",
                    IncidentImpact.Minor, []));
            }

            if ((node.Roles & NodeRoles.Dns) != 0 && node.DnsErrorShare is { } share && node.DnsQueriesInWindow >= o.DnsMinQueries && share > o.DnsErrorRate)
            {
                alerts.Add(new FiringAlert(DnsErrors, node.Id, $"DNS node {node.Id} answers SERVFAIL/REFUSED",
                    $"{share:P1} of {node.DnsQueriesInWindow} answers in the last {o.RateWindow.TotalSeconds:F0} s were SERVFAIL or REFUSED (limit {o.DnsErrorRate:P1}).",
                    IncidentImpact.Major, ["dns"]));
            }
        }

        foreach (var pop in s.EdgeServices.GroupBy(e => e.PopId))
        {
            var failing = pop.Where(e => e.Failing).ToList();
            if (failing.Count == 0)
            {
                continue;
            }

            var all = failing.Select(f => f.ServerId).Distinct().Count() == pop.Select(e => e.ServerId).Distinct().Count();
            alerts.Add(new FiringAlert(PopCacheFailing, pop.Key, $"Cache servers in {pop.Key} fail their service tests",
                string.Join("; ", failing.Select(f => $"{f.ServerId} {f.ServiceId}: {f.Error}")),
                all ? IncidentImpact.Major : IncidentImpact.Minor, ["cdn-" + Region(pop.Key)]));
        }

        var heartbeating = s.Nodes.Where(n => n.LastHeartbeatAt is { } at && s.Now - at <= o.HeartbeatMissingAfter).Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (probeNode, newest) in s.ProbeNewest)
        {
            // A node that is down already alerts as such; stale data from a live probe is the separate signal.
            if (heartbeating.Contains(probeNode) && s.Now - newest > o.ProbeStaleAfter)
            {
                alerts.Add(new FiringAlert(ProbeStale, probeNode, $"Probe data from {probeNode} is stale",
                    $"Newest service-test result arrived {(s.Now - newest).TotalSeconds:F0} s ago (limit {o.ProbeStaleAfter.TotalSeconds:F0} s).",
                    IncidentImpact.Minor, []));
            }
        }

        foreach (var h in s.HostnameUsage)
        {
            if (h.Requests >= o.OriginMinRequests && (double)h.Errors5xx / h.Requests > o.OriginErrorRate)
            {
                alerts.Add(new FiringAlert(OriginErrors, h.Hostname, $"Origin errors for {h.Hostname}",
                    $"{h.Errors5xx} of {h.Requests} responses in the last {o.RateWindow.TotalMinutes:F0} min were 5xx (limit {o.OriginErrorRate:P0}).",
                    IncidentImpact.Minor, []));
            }
        }

        return alerts;
    }

    private static List<string> ComponentsOf(NodeView node, Func<string, string> region)
    {
        var components = new List<string>();
        if ((node.Roles & NodeRoles.Dns) != 0)
        {
            components.Add("dns");
        }

        if ((node.Roles & NodeRoles.Cache) != 0)
        {
            components.Add("cdn-" + region(node.PopId));
        }

        return components;
    }
}
