using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Features.Incidents;
using Speedera.Web.Features.Status;

namespace Speedera.Web.Features.Noc.WallBoard;

public enum Health
{
    Ok,
    Degraded,
    Down,
    Idle,
}

public sealed record BoardNode(string Id, NodeRoles Roles, long? RunningVersion, DateTime? LastHeartbeatAt, bool Up, double? DnsQps, DateTime? ProbeNewest, IReadOnlyList<string> Problems);

public sealed record BoardPop(PopView Pop, Health Health, IReadOnlyList<BoardNode> Nodes, double RequestsPerSecond, double? HitRatio, double BytesPerSecond, IReadOnlyList<string> Problems);

public sealed record BoardModel(DateTime At, long? LatestVersion, IReadOnlyList<BoardPop> Pops, IReadOnlyList<ComponentStatus> Components, IReadOnlyList<FiringAlert> Alerts, int OpenIncidents);

/// <summary>Reads the wall board from the same snapshot the alert rules use (one query set per refresh).</summary>
public sealed class WallBoardQueries(IServiceScopeFactory scopes, IOptions<AlertOptions> options, TimeProvider time)
{
    public async Task<BoardModel> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var o = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var s = await NocSnapshot.LoadAsync(db, now, o.RateWindow, cancellationToken);
        var alerts = AlertRules.Evaluate(s, o);
        var components = StatusComponents.Compute(s, o, alerts, await StatusQueries.ComponentsUnderMaintenanceAsync(db, now, cancellationToken));
        var open = await db.Incidents.CountAsync(i => i.State != IncidentState.Resolved, cancellationToken);

        var pops = new List<BoardPop>();
        foreach (var pop in s.Pops)
        {
            var nodes = s.Nodes.Where(n => n.PopId == pop.Id).Select(n =>
            {
                var up = n.LastHeartbeatAt is { } at && now - at <= o.HeartbeatMissingAfter;
                var problems = alerts.Where(a => a.Subject == n.Id).Select(a => a.Title).ToList();
                return new BoardNode(n.Id, n.Roles, n.RunningVersion, n.LastHeartbeatAt, up, n.DnsQueriesPerSecond,
                    s.ProbeNewest.TryGetValue(n.Id, out var newest) ? newest : null, problems);
            }).ToList();
            var popProblems = alerts.Where(a => a.Subject == pop.Id).Select(a => a.Title).Concat(nodes.SelectMany(n => n.Problems)).ToList();
            var seen = nodes.Where(n => n.LastHeartbeatAt is not null).ToList();
            var health = seen.Count == 0 && popProblems.Count == 0 ? Health.Idle
                : seen.Count > 0 && seen.All(n => !n.Up) ? Health.Down
                : alerts.Any(a => a.Subject == pop.Id && a.Impact >= IncidentImpact.Major) ? Health.Down
                : popProblems.Count > 0 ? Health.Degraded
                : Health.Ok;
            var usage = s.PopUsage.FirstOrDefault(u => u.PopId == pop.Id);
            pops.Add(new BoardPop(pop, health, nodes,
                usage is null ? 0 : usage.Requests / usage.Seconds,
                usage is null || usage.Requests == 0 ? null : (double)usage.Hits / usage.Requests,
                usage is null ? 0 : usage.Bytes / usage.Seconds,
                popProblems));
        }

        return new BoardModel(now, s.LatestVersion, pops, components, alerts, open);
    }
}
