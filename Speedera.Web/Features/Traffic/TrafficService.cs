using Speedera.Core.Configuration;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;
using Speedera.Web.Features.Reports;

namespace Speedera.Web.Features.Traffic;

/// <summary>A hostname whose traffic a customer may see: its id, name and the names its data is recorded under.</summary>
public sealed record TrafficSubject(Guid Id, string Name, IReadOnlyList<string> Names, HostnameServices Services);

/// <summary>
/// Builds the traffic and traffic-management reports the pages, CSV exports and the REST API show, from the
/// analytics store only (no invented data). Tenancy is decided here: a subject is found only in its organization.
/// </summary>
public sealed class TrafficService(ITrafficStore store, IServiceScopeFactory scopes, TimeProvider time, IVisitorLocator locator)
{
    public DateTimeOffset Now => time.GetUtcNow();

    public async Task<IReadOnlyList<TrafficSubject>> SubjectsAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var rows = await db.Hostnames.AsNoTracking().Where(h => h.OrganizationId == organizationId)
            .OrderBy(h => h.Name).Select(h => new { h.Id, h.Name, h.Alias, h.Services }).ToListAsync(cancellationToken);
        return rows.Select(h => Subject(h.Id, h.Name, h.Alias, h.Services)).ToList();
    }

    public async Task<TrafficSubject?> FindAsync(Guid organizationId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var h = await db.Hostnames.AsNoTracking().Where(h => h.OrganizationId == organizationId && h.Id == id)
            .Select(h => new { h.Id, h.Name, h.Alias, h.Services }).FirstOrDefaultAsync(cancellationToken);
        return h is null ? null : Subject(h.Id, h.Name, h.Alias, h.Services);
    }

    /// <summary>CDN graphs for <paramref name="subject"/> (null: the whole network) ending at <paramref name="to"/> (default now).</summary>
    public async Task<TrafficReport> UsageReportAsync(
        TrafficSubject? subject, TrafficRange range, string timeZone, DateTimeOffset? to = null, TimeSpan? step = null, CancellationToken cancellationToken = default)
    {
        var end = to ?? time.GetUtcNow();
        var names = subject?.Names;
        var series = await store.UsageAsync(new TrafficQuery(names, end - range.Length(), end, step ?? range.DefaultStep()), cancellationToken);
        var shift = range.ComparisonShift();
        var previous = await store.UsageAsync(new TrafficQuery(names, series.From - shift, series.To - shift, series.Step), cancellationToken);
        var times = Times(series.From, series.To, series.Step);
        var pops = await PopsAsync(series.Points.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => (g.Sum(p => p.Requests), g.Sum(p => p.BytesToClients))), cancellationToken);
        return new TrafficReport(
            subject?.Name ?? "All customers",
            range,
            series.From,
            series.To,
            series.Step,
            timeZone,
            Buckets(times, series.Points, TimeSpan.Zero, series.Step, series.To),
            Buckets(times, previous.Points, shift, series.Step, series.To),
            pops,
            Midnights(series.From, series.To, timeZone));
    }

    /// <summary>Network-wide usage over the window split by node (the NOC's per-node table).</summary>
    public async Task<IReadOnlyList<(string NodeId, long Requests, long Bytes)>> ByNodeAsync(TrafficRange range, CancellationToken cancellationToken = default)
    {
        var end = time.GetUtcNow();
        var series = await store.UsageAsync(new TrafficQuery(null, end - range.Length(), end, range.Length(), UsageSplit.Node), cancellationToken);
        return series.Points.GroupBy(p => p.Key)
            .Select(g => (g.Key, g.Sum(p => p.Requests), g.Sum(p => p.BytesToClients)))
            .OrderByDescending(n => n.Item3).ToList();
    }

    /// <summary>Traffic-management graphs for <paramref name="subject"/> (null: every GTM hostname).</summary>
    public async Task<DecisionReport> DecisionReportAsync(
        TrafficSubject? subject, TrafficRange range, string timeZone, DateTimeOffset? to = null, TimeSpan? step = null, CancellationToken cancellationToken = default)
    {
        var end = to ?? time.GetUtcNow();
        var series = await store.DecisionsAsync(new TrafficQuery(subject?.Names, end - range.Length(), end, step ?? range.DefaultStep()), cancellationToken);
        var times = Times(series.From, series.To, series.Step);
        var buckets = series.Points
            .GroupBy(p => (p.Time, p.Address, p.PopId))
            .Select(g => new DecisionBucket(g.Key.Time, g.Key.Address, g.Key.PopId,
                g.GroupBy(p => ReasonName(p.Reason)).ToDictionary(r => r.Key, r => r.Sum(p => p.Count), StringComparer.Ordinal)))
            .ToList();
        var addresses = series.Points.Select(p => p.Address).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var reasons = series.Points.Select(p => ReasonName(p.Reason)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var pops = await PopsAsync(series.Points.GroupBy(p => p.PopId).ToDictionary(g => g.Key, g => (g.Sum(p => p.Count), 0L)), cancellationToken);

        // Client groups are kept at minute resolution for a limited window: the visitor figures cover what is kept.
        var visitors = new List<ClientGroupTotal>();
        if (subject is null)
        {
            visitors.AddRange(await store.ClientGroupsAsync(null, series.From, cancellationToken));
        }
        else
        {
            foreach (var name in subject.Names)
            {
                visitors.AddRange(await store.ClientGroupsAsync(name, series.From, cancellationToken));
            }
        }

        var located = visitors
            .GroupBy(v => (v.ClientSubnet, v.Resolver))
            .Select(g =>
            {
                var country = locator.Locate(g.Key.ClientSubnet);
                return new VisitorGroup(g.Key.ClientSubnet, g.Key.Resolver, country?.Code, country?.Name ?? "Unknown", g.Sum(v => v.Queries));
            })
            .OrderByDescending(v => v.Queries).ThenBy(v => v.ClientSubnet, StringComparer.Ordinal)
            .ToList();
        return new DecisionReport(
            subject?.Name ?? "All GTM hostnames", range, series.From, series.To, series.Step, timeZone,
            times, addresses, buckets, reasons, pops, located, locator.Attribution, Midnights(series.From, series.To, timeZone));
    }

    /// <summary>The reason's display name; rows from nodes that predate reasons say so.</summary>
    public static string ReasonName(string reason) => reason.Length == 0 ? "Unrecorded" : reason;

    internal static IReadOnlyList<DateTimeOffset> Times(DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        var times = new List<DateTimeOffset>();
        for (var t = from; t < to; t += step)
        {
            times.Add(t);
        }

        return times;
    }

    private static List<TrafficBucket> Buckets(IReadOnlyList<DateTimeOffset> times, IReadOnlyList<UsagePoint> points, TimeSpan shift, TimeSpan step, DateTimeOffset to)
    {
        var byTime = points.GroupBy(p => p.Time + shift).ToDictionary(g => g.Key, g => g.ToList());
        return times.Select(t =>
        {
            var list = byTime.GetValueOrDefault(t) ?? [];

            // The interval still running at the far right counts only the seconds that have passed.
            var duration = t + step > to && shift == TimeSpan.Zero ? to - t : step;
            if (duration < TimeSpan.FromSeconds(1))
            {
                duration = TimeSpan.FromSeconds(1);
            }

            return new TrafficBucket(t, duration,
                list.Sum(p => p.Requests), list.Sum(p => p.BytesToClients), list.Sum(p => p.BytesFromOrigin), list.Sum(p => p.Hits), list.Sum(p => p.Misses),
                list.Sum(p => p.Status2xx), list.Sum(p => p.Status3xx), list.Sum(p => p.Status4xx), list.Sum(p => p.Status5xx));
        }).ToList();
    }

    private async Task<IReadOnlyList<PopTraffic>> PopsAsync(Dictionary<string, (long Requests, long Bytes)> totals, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var pops = await db.Pops.AsNoTracking().OrderBy(p => p.Id).ToListAsync(cancellationToken);
        var known = pops.Select(p =>
        {
            var (requests, bytes) = totals.GetValueOrDefault(p.Id);
            return new PopTraffic(p.Id, p.Name, p.City, p.Country, p.Latitude, p.Longitude, requests, bytes);
        });

        // Traffic from a POP that is no longer configured still counts; it has no place on the map.
        var unknown = totals.Where(t => pops.All(p => p.Id != t.Key))
            .Select(t => new PopTraffic(t.Key, t.Key, "", "", double.NaN, double.NaN, t.Value.Requests, t.Value.Bytes));
        return known.Concat(unknown).OrderByDescending(p => p.Bytes).ThenByDescending(p => p.Requests).ThenBy(p => p.PopId, StringComparer.Ordinal).ToList();
    }

    /// <summary>Local midnights inside the window, in the viewer's time zone: the patent's dotted "yesterday | today" line.</summary>
    internal static IReadOnlyList<(DateTimeOffset Time, string Label)> Midnights(DateTimeOffset from, DateTimeOffset to, string timeZone)
    {
        var zone = Zone(timeZone);
        var result = new List<(DateTimeOffset, string)>();
        var localDay = TimeZoneInfo.ConvertTime(from, zone).Date.AddDays(1);
        while (true)
        {
            DateTimeOffset utc;
            try
            {
                utc = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(localDay, DateTimeKind.Unspecified), zone), TimeSpan.Zero);
            }
            catch (ArgumentException)
            {
                // Midnight skipped by a daylight-saving change: the day starts an hour later.
                utc = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(localDay.AddHours(1), DateTimeKind.Unspecified), zone), TimeSpan.Zero);
            }

            if (utc > to)
            {
                break;
            }

            result.Add((utc, localDay.ToString("ddd d MMM", System.Globalization.CultureInfo.InvariantCulture)));
            localDay = localDay.AddDays(1);
        }

        return result;
    }

    public static TimeZoneInfo Zone(string timeZone)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.Utc;
        }
    }

    private static TrafficSubject Subject(Guid id, string name, string? alias, HostnameServices services) =>
        new(id, name, alias is null || alias == name ? [name] : [name, alias], services);
}
