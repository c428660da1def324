using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Incidents;

public sealed record IncidentSummary(Guid Id, string Title, IncidentState State, IncidentImpact Impact, string Components, bool Public,
    DateTime StartedAt, DateTime UpdatedAt, DateTime? AcknowledgedAt, string? AcknowledgedBy, DateTime? ResolvedAt, int FiringAlerts);

public sealed record IncidentEventView(DateTime At, IncidentEventKind Kind, IncidentState State, string Message, string Author, bool Public);

/// <summary>
/// Opens, attaches to, updates and resolves incidents: from alerts (<see cref="ApplyAlertsAsync"/>) and by NOC staff.
/// Every change is a timeline entry and queues notifications; the status site is republished after each.
/// </summary>
public sealed class IncidentService(SpeederaDbContext db, Notifier notifier, TimeProvider time, Status.StatusSiteSignal statusSignal, Live.LiveFeed live)
{
    public const string System = "alerting";

    public async Task<IReadOnlyList<IncidentSummary>> ListAsync(bool includeResolved, int take, CancellationToken cancellationToken = default)
    {
        var query = db.Incidents.AsNoTracking();
        if (!includeResolved)
        {
            query = query.Where(i => i.State != IncidentState.Resolved);
        }

        var rows = await query.OrderByDescending(i => i.StartedAt).Take(take).ToListAsync(cancellationToken);
        var ids = rows.Select(r => r.Id).ToList();
        var firing = await db.AlertStates.AsNoTracking().Where(a => a.Firing && a.IncidentId != null && ids.Contains(a.IncidentId.Value))
            .GroupBy(a => a.IncidentId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        return [.. rows.Select(i => new IncidentSummary(i.Id, i.Title, i.State, i.Impact, i.Components, i.Public, i.StartedAt, i.UpdatedAt,
            i.AcknowledgedAt, i.AcknowledgedBy, i.ResolvedAt, firing.FirstOrDefault(f => f.Key == i.Id)?.Count ?? 0))];
    }

    public async Task<IReadOnlyList<IncidentEventView>> TimelineAsync(Guid id, CancellationToken cancellationToken = default) =>
        await db.IncidentEvents.AsNoTracking().Where(e => e.IncidentId == id).OrderBy(e => e.At)
            .Select(e => new IncidentEventView(e.At, e.Kind, e.State, e.Message, e.Author, e.Public)).ToListAsync(cancellationToken);

    public async Task<Guid> OpenAsync(string title, IncidentImpact impact, string components, string message, bool isPublic, string author, CancellationToken cancellationToken = default)
    {
        var now = Now;
        var incident = new IncidentEntity
        {
            Id = Guid.NewGuid(), Title = title.Trim(), Impact = impact, Components = Normalize(components), Public = isPublic,
            State = IncidentState.Investigating, StartedAt = now, UpdatedAt = now,
        };
        db.Incidents.Add(incident);
        AddEvent(incident, IncidentEventKind.Opened, message, author, isPublic);
        await NotifyAsync("incident.opened", incident, message, cancellationToken);
        await SaveAsync(cancellationToken);
        return incident.Id;
    }

    public async Task AcknowledgeAsync(Guid id, string author, CancellationToken cancellationToken = default)
    {
        var incident = await db.Incidents.FirstAsync(i => i.Id == id, cancellationToken);
        if (incident.AcknowledgedAt is not null)
        {
            return;
        }

        incident.AcknowledgedAt = Now;
        incident.AcknowledgedBy = author;
        AddEvent(incident, IncidentEventKind.Acknowledged, $"Acknowledged by {author}.", author, isPublic: false);
        await NotifyAsync("incident.acknowledged", incident, $"Acknowledged by {author}.", cancellationToken, subscribers: false);
        await SaveAsync(cancellationToken);
    }

    /// <summary>An internal note on the timeline (not public, no notification).</summary>
    public async Task AnnotateAsync(Guid id, string note, string author, CancellationToken cancellationToken = default)
    {
        var incident = await db.Incidents.FirstAsync(i => i.Id == id, cancellationToken);
        AddEvent(incident, IncidentEventKind.Note, note.Trim(), author, isPublic: false);
        await SaveAsync(cancellationToken);
    }

    /// <summary>A public update with a new state (Resolved resolves the incident).</summary>
    public async Task PostUpdateAsync(Guid id, IncidentState state, string message, string author, CancellationToken cancellationToken = default)
    {
        var incident = await db.Incidents.FirstAsync(i => i.Id == id, cancellationToken);
        incident.State = state;
        if (state == IncidentState.Resolved)
        {
            incident.ResolvedAt = Now;
            incident.ResolvedBy = author;
        }
        else
        {
            incident.ResolvedAt = null;
            incident.ResolvedBy = null;
        }

        AddEvent(incident, state == IncidentState.Resolved ? IncidentEventKind.Resolved : IncidentEventKind.Update, message.Trim(), author, incident.Public);
        await NotifyAsync(state == IncidentState.Resolved ? "incident.resolved" : "incident.updated", incident, message.Trim(), cancellationToken);
        await SaveAsync(cancellationToken);
    }

    public Task ResolveAsync(Guid id, string message, string author, CancellationToken cancellationToken = default) =>
        PostUpdateAsync(id, IncidentState.Resolved, string.IsNullOrWhiteSpace(message) ? "This incident has been resolved." : message, author, cancellationToken);

    /// <summary>
    /// Brings alert states in line with what fires now: a new alert opens an incident or attaches to an open one with the
    /// same rule or a shared component; a cleared alert is recorded, and an incident whose alerts have all cleared
    /// resolves itself. Returns whether anything changed.
    /// </summary>
    public async Task<bool> ApplyAlertsAsync(IReadOnlyList<FiringAlert> firing, CancellationToken cancellationToken = default)
    {
        var now = Now;
        var states = await db.AlertStates.ToDictionaryAsync(a => a.Key, cancellationToken);
        var open = await db.Incidents.Where(i => i.State != IncidentState.Resolved).ToListAsync(cancellationToken);
        var changed = false;
        var current = firing.ToDictionary(a => a.Key);
        foreach (var alert in firing)
        {
            if (!states.TryGetValue(alert.Key, out var state))
            {
                state = new AlertStateEntity { Key = alert.Key, Rule = alert.Rule, Subject = alert.Subject };
                db.AlertStates.Add(state);
                states[alert.Key] = state;
            }

            state.EvaluatedAt = now;
            state.Detail = Truncate(alert.Detail, 1000);
            if (state.Firing && open.Any(i => i.Id == state.IncidentId))
            {
                continue;
            }

            state.Firing = true;
            state.Since = now;
            changed = true;
            var incident = open.FirstOrDefault(i => states.Values.Any(s => s.IncidentId == i.Id && s.Firing && s.Rule == alert.Rule && s.Key != alert.Key)
                || alert.Components.Intersect(i.Components.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Any());
            if (incident is null)
            {
                incident = new IncidentEntity
                {
                    Id = Guid.NewGuid(),
                    Title = alert.Rule == AlertRules.OriginErrors ? "Elevated origin errors for a customer site" : alert.Title,
                    Impact = alert.Impact,
                    Components = string.Join(' ', alert.Components),
                    Public = true,
                    State = IncidentState.Investigating,
                    StartedAt = now,
                    UpdatedAt = now,
                };
                db.Incidents.Add(incident);
                open.Add(incident);
                var publicText = alert.Rule == AlertRules.OriginErrors
                    ? "We see errors from the origin of a customer site served by our CDN and are investigating. The CDN itself is operating."
                    : $"We are investigating: {alert.Title}.";
                AddEvent(incident, IncidentEventKind.Opened, publicText, System, isPublic: true);
                state.IncidentId = incident.Id;
                AddEvent(incident, IncidentEventKind.AlertFired, $"{alert.Title}: {alert.Detail}", System, isPublic: false);
                await NotifyAsync("incident.opened", incident, $"{alert.Title}: {alert.Detail}", cancellationToken);
            }
            else
            {
                state.IncidentId = incident.Id;
                if (alert.Impact > incident.Impact)
                {
                    incident.Impact = alert.Impact;
                }

                incident.Components = string.Join(' ', incident.Components.Split(' ', StringSplitOptions.RemoveEmptyEntries).Union(alert.Components).Order(StringComparer.Ordinal));
                AddEvent(incident, IncidentEventKind.AlertFired, $"{alert.Title}: {alert.Detail}", System, isPublic: false);
                await NotifyAsync("alert.fired", incident, $"{alert.Title}: {alert.Detail}", cancellationToken, subscribers: false);
            }
        }

        foreach (var state in states.Values.Where(s => s.Firing && !current.ContainsKey(s.Key)))
        {
            state.Firing = false;
            state.Since = now;
            state.EvaluatedAt = now;
            changed = true;
            var incident = open.FirstOrDefault(i => i.Id == state.IncidentId);
            if (incident is null)
            {
                continue;
            }

            var message = $"Cleared: {state.Rule} {state.Subject}.";
            AddEvent(incident, IncidentEventKind.AlertCleared, message, System, isPublic: false);
            if (!states.Values.Any(s => s.Firing && s.IncidentId == incident.Id))
            {
                incident.State = IncidentState.Resolved;
                incident.ResolvedAt = now;
                incident.ResolvedBy = System;
                const string resolved = "This incident has been resolved: the signals that raised it are back to normal.";
                AddEvent(incident, IncidentEventKind.Resolved, resolved, System, isPublic: incident.Public);
                await NotifyAsync("incident.resolved", incident, resolved + " " + message, cancellationToken);
            }
            else
            {
                await NotifyAsync("alert.cleared", incident, message, cancellationToken, subscribers: false);
            }
        }

        if (changed)
        {
            await SaveAsync(cancellationToken);
        }
        else
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return changed;
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    private void AddEvent(IncidentEntity incident, IncidentEventKind kind, string message, string author, bool isPublic)
    {
        var at = Now;
        // Entries of one pass keep their order on the timeline and in the feeds.
        var last = db.ChangeTracker.Entries<IncidentEventEntity>().Where(e => e.Entity.IncidentId == incident.Id).Select(e => e.Entity.At).DefaultIfEmpty().Max();
        if (at <= last)
        {
            at = last.AddTicks(TimeSpan.TicksPerMillisecond);
        }

        incident.UpdatedAt = at;
        db.IncidentEvents.Add(new IncidentEventEntity
        {
            Id = Guid.NewGuid(), IncidentId = incident.Id, At = at, Kind = kind, State = incident.State,
            Message = Truncate(message, 4000), Author = author, Public = isPublic,
        });
    }

    private async Task NotifyAsync(string eventType, IncidentEntity incident, string message, CancellationToken cancellationToken, bool subscribers = true)
    {
        await notifier.QueueAsync(eventType, incident, message, cancellationToken);
        if (subscribers && incident.Public)
        {
            await notifier.QueueSubscribersAsync(incident, message, cancellationToken);
        }
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        notifier.Wake();
        statusSignal.Notify();
        live.Publish(Live.LiveTopic.Incidents);
    }

    private static string Normalize(string components) =>
        string.Join(' ', components.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim().ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal));

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
