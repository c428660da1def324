using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;
using Speedera.Web.Features.Incidents;

namespace Speedera.Web.Features.Status;

public sealed record PublicUpdate(Guid Id, DateTime At, IncidentState State, string Message);

public sealed record PublicIncident(Guid Id, string Title, IncidentState State, IncidentImpact Impact, IReadOnlyList<string> Components,
    DateTime StartedAt, DateTime UpdatedAt, DateTime? ResolvedAt, IReadOnlyList<PublicUpdate> Updates);

public sealed record PublicMaintenance(Guid Id, string Title, string Description, IReadOnlyList<string> Components,
    DateTime StartsAt, DateTime EndsAt, DateTime CreatedAt, DateTime UpdatedAt, bool Cancelled)
{
    public string Status(DateTime now) => Cancelled ? "cancelled" : now < StartsAt ? "scheduled" : now < EndsAt ? "in_progress" : "completed";
}

public sealed record UptimeDay(DateTime Day, double? Uptime, double DegradedShare);

/// <summary>What the status site shows at one moment.</summary>
public sealed record StatusModel(
    DateTime Now,
    IReadOnlyList<ComponentStatus> Components,
    IReadOnlyDictionary<string, IReadOnlyList<UptimeDay>> Uptime,
    IReadOnlyList<PublicIncident> Incidents,
    IReadOnlyList<PublicMaintenance> Maintenances,
    string PortalUrl,
    string SiteUrl);

public static class StatusQueries
{
    public const int UptimeDays = 90;

    public static async Task<IReadOnlyCollection<string>> ComponentsUnderMaintenanceAsync(SpeederaDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var active = await db.Maintenances.AsNoTracking().Where(m => !m.Cancelled && m.StartsAt <= now && m.EndsAt > now)
            .Select(m => m.Components).ToListAsync(cancellationToken);
        return active.SelectMany(c => c.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
    }

    public static async Task<StatusModel> LoadAsync(SpeederaDbContext db, AlertOptions o, DateTime now, DateTime? observingSince, CancellationToken cancellationToken)
    {
        var snapshot = await NocSnapshot.LoadAsync(db, now, o.RateWindow, cancellationToken);
        var alerts = AlertRules.Evaluate(snapshot, o, observingSince);
        var components = StatusComponents.Compute(snapshot, o, alerts, await ComponentsUnderMaintenanceAsync(db, now, cancellationToken), observingSince);

        var today = now.Date;
        var firstDay = today.AddDays(-(UptimeDays - 1));
        var rows = await db.ComponentUptimes.AsNoTracking().Where(u => u.Day >= firstDay).ToListAsync(cancellationToken);
        var uptime = new Dictionary<string, IReadOnlyList<UptimeDay>>(StringComparer.Ordinal);
        foreach (var c in components)
        {
            var mine = rows.Where(r => r.ComponentId == c.Id).ToDictionary(r => r.Day);
            uptime[c.Id] = [.. Enumerable.Range(0, UptimeDays).Select(i =>
            {
                var day = firstDay.AddDays(i);
                return mine.TryGetValue(day, out var r) && r.ObservedSeconds > 0
                    ? new UptimeDay(day, Math.Round(1 - r.DownSeconds / r.ObservedSeconds, 4), Math.Round(r.DegradedSeconds / r.ObservedSeconds, 4))
                    : new UptimeDay(day, null, 0);
            })];
        }

        var since = now.AddDays(-14);
        var incidents = await db.Incidents.AsNoTracking().Where(i => i.Public && (i.State != IncidentState.Resolved || i.ResolvedAt >= since))
            .OrderByDescending(i => i.StartedAt).Take(50).ToListAsync(cancellationToken);
        var ids = incidents.Select(i => i.Id).ToList();
        var updates = await db.IncidentEvents.AsNoTracking().Where(e => e.Public && ids.Contains(e.IncidentId)).ToListAsync(cancellationToken);
        var publicIncidents = incidents.Select(i => new PublicIncident(i.Id, i.Title, i.State, i.Impact, Split(i.Components), i.StartedAt, i.UpdatedAt, i.ResolvedAt,
            [.. updates.Where(u => u.IncidentId == i.Id).OrderByDescending(u => u.At).Select(u => new PublicUpdate(u.Id, u.At, u.State, u.Message))])).ToList();

        var maintenances = (await db.Maintenances.AsNoTracking().Where(m => m.EndsAt >= since).OrderBy(m => m.StartsAt).Take(50).ToListAsync(cancellationToken))
            .Select(m => new PublicMaintenance(m.Id, m.Title, m.Description, Split(m.Components), m.StartsAt, m.EndsAt, m.CreatedAt, m.UpdatedAt, m.Cancelled)).ToList();

        return new StatusModel(now, components, uptime, publicIncidents, maintenances, o.PortalUrl, o.StatusSiteUrl);
    }

    private static string[] Split(string components) => components.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

public static class StatusLinks
{
    public static string Confirm(AlertOptions o, string token) => o.PortalUrl.TrimEnd('/') + "/status/confirm?token=" + Uri.EscapeDataString(token);

    public static string Unsubscribe(AlertOptions o, string token) => o.PortalUrl.TrimEnd('/') + "/status/unsubscribe?token=" + Uri.EscapeDataString(token);
}
