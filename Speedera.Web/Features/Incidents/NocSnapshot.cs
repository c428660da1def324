using Microsoft.EntityFrameworkCore;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;

namespace Speedera.Web.Features.Incidents;

public sealed record NodeView(
    string Id,
    string PopId,
    NodeRoles Roles,
    DateTime? LastHeartbeatAt,
    long? RunningVersion,
    double? DnsQueriesPerSecond,
    double? DnsErrorShare,
    long DnsQueriesInWindow);

public sealed record EdgeServiceView(string ServerId, string PopId, string ServiceId, bool Failing, string? Error, DateTime MeasuredAt);

public sealed record HostnameUsageView(string Hostname, long Requests, long Errors5xx);

public sealed record PopUsageView(string PopId, long Requests, long Hits, long Bytes, double Seconds);

public sealed record PopView(string Id, string Name, string City, string Country, double Latitude, double Longitude, string Region);

/// <summary>Everything the alert rules, the status components and the wall board look at, read once per evaluation.</summary>
public sealed record NocSnapshot(
    DateTime Now,
    long? LatestVersion,
    DateTime? LatestPublishedAt,
    IReadOnlyList<PopView> Pops,
    IReadOnlyList<NodeView> Nodes,
    IReadOnlyList<EdgeServiceView> EdgeServices,
    IReadOnlyDictionary<string, DateTime> ProbeNewest,
    IReadOnlyList<HostnameUsageView> HostnameUsage,
    IReadOnlyList<PopUsageView> PopUsage)
{
    /// <summary>Reads the snapshot; rates are over <paramref name="window"/> back from <paramref name="now"/>.</summary>
    public static async Task<NocSnapshot> LoadAsync(SpeederaDbContext db, DateTime now, TimeSpan window, CancellationToken cancellationToken)
    {
        var latest = await db.ConfigVersions.AsNoTracking().OrderByDescending(v => v.Version)
            .Select(v => new { v.Version, v.CreatedAt }).FirstOrDefaultAsync(cancellationToken);
        var pops = (await db.Pops.AsNoTracking().ToListAsync(cancellationToken))
            .Select(p => new PopView(p.Id, p.Name, p.City, p.Country, p.Latitude, p.Longitude, Regions.Of(p.Country)))
            .OrderBy(p => p.Id, StringComparer.Ordinal).ToList();

        var since = now - window;
        var samples = await db.NodeCounterSamples.AsNoTracking().Where(s => s.At >= since - window).ToListAsync(cancellationToken);
        var nodes = new List<NodeView>();
        foreach (var n in await db.EdgeNodes.AsNoTracking().OrderBy(n => n.Id).ToListAsync(cancellationToken))
        {
            var mine = samples.Where(s => s.NodeId == n.Id).OrderBy(s => s.At).ToList();
            double? qps = null, errorShare = null;
            long queries = 0;
            if (mine.Count >= 2)
            {
                var last = mine[^1];
                var first = mine.LastOrDefault(s => s.At <= last.At - window) ?? mine[0];
                var span = (last.At - first.At).TotalSeconds;
                // A restarted node starts its counters again: take the newest run only.
                if (last.DnsQueries >= first.DnsQueries && span > 0)
                {
                    queries = last.DnsQueries - first.DnsQueries;
                    qps = queries / span;
                    errorShare = queries == 0 ? 0 : (double)(last.DnsServFail - first.DnsServFail + last.DnsRefused - first.DnsRefused) / queries;
                }
            }

            nodes.Add(new NodeView(n.Id, n.PopId, n.Roles, n.LastHeartbeatAt, n.RunningVersion, qps, errorShare, queries));
        }

        var serverPops = await db.Servers.AsNoTracking().Select(s => new { s.Id, s.Name, s.PopId }).ToListAsync(cancellationToken);
        var serverIds = serverPops.ToDictionary(
            s => NetworkConfigurationValidator.ValidId(s.Name) ? s.Name : "srv-" + s.Id.ToString("N"),
            s => s.PopId,
            StringComparer.Ordinal);
        var states = await db.ServiceStates.AsNoTracking().ToListAsync(cancellationToken);
        var edgeServices = states
            .Where(s => serverIds.ContainsKey(s.ServerId))
            .GroupBy(s => (s.ServerId, s.ServiceId))
            .Select(g => g.OrderByDescending(s => s.MeasuredAt).First())
            .Select(s => new EdgeServiceView(s.ServerId, serverIds[s.ServerId], s.ServiceId, s.Error != ProbeError.None, s.Error == ProbeError.None ? null : s.Error.ToString(), s.MeasuredAt))
            .ToList();
        var probeNewest = states.GroupBy(s => s.ProbeNodeId).ToDictionary(g => g.Key, g => g.Max(s => s.ReceivedAt), StringComparer.Ordinal);

        // Usage comes in per-minute rows: look back at least a minute, or a row uploaded late in its minute is missed.
        var usageSince = now - (window < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : window);
        var fromMinute = new DateTime(usageSince.Ticks - usageSince.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        var usage = await db.UsageRollups.AsNoTracking().Where(u => u.Minute >= fromMinute)
            .Select(u => new { u.Hostname, u.PopId, u.Requests, u.Status5xx, u.Hits, u.BytesToClients }).ToListAsync(cancellationToken);
        var hostnameUsage = usage.Where(u => u.Hostname != "-").GroupBy(u => u.Hostname)
            .Select(g => new HostnameUsageView(g.Key, g.Sum(u => u.Requests), g.Sum(u => u.Status5xx))).ToList();
        var seconds = Math.Max(1, (now - fromMinute).TotalSeconds);
        var popUsage = usage.GroupBy(u => u.PopId)
            .Select(g => new PopUsageView(g.Key, g.Sum(u => u.Requests), g.Sum(u => u.Hits), g.Sum(u => u.BytesToClients), seconds)).ToList();

        return new NocSnapshot(now, latest?.Version, latest?.CreatedAt, pops, nodes, edgeServices, probeNewest, hostnameUsage, popUsage);
    }
}

/// <summary>Status-page regions, from a POP's ISO country code.</summary>
public static class Regions
{
    public static readonly IReadOnlyList<(string Id, string Name)> All =
    [
        ("north-america", "North America"),
        ("south-america", "South America"),
        ("europe", "Europe"),
        ("asia-pacific", "Asia Pacific"),
        ("africa-middle-east", "Africa and Middle East"),
    ];

    private static readonly HashSet<string> NorthAmerica = ["US", "CA", "MX"];
    private static readonly HashSet<string> SouthAmerica = ["BR", "AR", "CL", "CO", "PE", "VE", "UY", "EC", "BO", "PY"];
    private static readonly HashSet<string> AsiaPacific = ["JP", "CN", "HK", "SG", "KR", "TW", "IN", "AU", "NZ", "ID", "MY", "TH", "PH", "VN"];
    private static readonly HashSet<string> AfricaMiddleEast = ["ZA", "NG", "KE", "EG", "MA", "AE", "SA", "IL", "QA", "TR"];

    public static string Of(string country)
    {
        var c = country.ToUpperInvariant();
        return NorthAmerica.Contains(c) ? "north-america"
            : SouthAmerica.Contains(c) ? "south-america"
            : AsiaPacific.Contains(c) ? "asia-pacific"
            : AfricaMiddleEast.Contains(c) ? "africa-middle-east"
            : "europe";
    }

    public static string Name(string id) => All.FirstOrDefault(r => r.Id == id).Name ?? id;
}
