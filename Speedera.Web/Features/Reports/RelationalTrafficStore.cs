using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Speedera.Core.Cache;
using Speedera.Core.Gtm;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Reports;

/// <summary>
/// <see cref="ITrafficStore"/> on the portal's relational database. Ingest is one multi-row
/// <c>INSERT ... ON CONFLICT DO UPDATE</c> (adding counts) per chunk on SQLite and PostgreSQL; SQL Server reads the
/// batch's existing rows in one query and lets EF write. Queries sum minute rows inside the minute window and
/// hourly rows before it.
/// </summary>
public sealed partial class RelationalTrafficStore(IServiceScopeFactory scopes, IOptions<TrafficStoreOptions> options, TimeProvider time, ILogger<RelationalTrafficStore> logger) : ITrafficStore
{
    private const int RowsPerStatement = 400;
    private const int CopyThreshold = 200;
    private static readonly string[] UsageKey = ["Minute", "Hostname", "PopId", "NodeId"];
    private static readonly string[] UsageHourKey = ["Hour", "Hostname", "PopId", "NodeId"];
    private static readonly string[] UsageCounters = ["Requests", "BytesToClients", "BytesFromOrigin", "Status2xx", "Status3xx", "Status4xx", "Status5xx", "Hits", "Misses"];
    private static readonly string[] PopMinuteKey = ["Minute", "PopId", "NodeId"];
    private static readonly string[] PopHourKey = ["Hour", "PopId", "NodeId"];
    private static readonly string[] DecisionKey = ["Minute", "NodeId", "Hostname", "Address", "PopId", "Reason"];
    private static readonly string[] DecisionHourKey = ["Hour", "NodeId", "Hostname", "Address", "PopId", "Reason"];
    private static readonly string[] ClientGroupKey = ["Minute", "Hostname", "ClientSubnet", "Resolver", "NodeId"];
    private static readonly string[] CountOnly = ["Count"];

    private TrafficStoreOptions Options => options.Value;

    public async Task AddUsageAsync(SpeederaDbContext db, string nodeId, IReadOnlyList<UsageRollup> rows, CancellationToken cancellationToken)
    {
        var cutoff = Options.MinuteCutoff(time.GetUtcNow());
        var minutes = new Dictionary<(DateTime, string, string), long[]>();
        var hours = new Dictionary<(DateTime, string, string), long[]>();
        var popMinutes = new Dictionary<(DateTime, string), long[]>();
        var popHours = new Dictionary<(DateTime, string), long[]>();
        foreach (var row in rows)
        {
            var minute = Truncate(row.Minute.UtcDateTime, TimeSpan.TicksPerMinute);

            // Late rows (a node's spool replayed after days) go straight to the hourly table they would have been moved to.
            bool late = minute < cutoff;
            var at = late ? Truncate(minute, TimeSpan.TicksPerHour) : minute;
            Add(Sums(late ? hours : minutes, (at, row.Hostname, row.PopId)), row);
            Add(Sums(late ? popHours : popMinutes, (at, row.PopId)), row);
        }

        // Keys in one order for every writer: concurrent uploads touching the same POP rows wait, never deadlock.
        await UpsertAsync(db, "UsageRollups", UsageKey, UsageCounters, minutes.OrderBy(kv => kv.Key).Select(kv => UsageValues(kv.Key, nodeId, kv.Value)).ToList(), cancellationToken);
        await UpsertAsync(db, "UsageHourly", UsageHourKey, UsageCounters, hours.OrderBy(kv => kv.Key).Select(kv => UsageValues(kv.Key, nodeId, kv.Value)).ToList(), cancellationToken);
        await UpsertAsync(db, "UsagePopMinutes", PopMinuteKey, UsageCounters, popMinutes.OrderBy(kv => kv.Key).Select(kv => PopValues(kv.Key, nodeId, kv.Value)).ToList(), cancellationToken);
        await UpsertAsync(db, "UsagePopHourly", PopHourKey, UsageCounters, popHours.OrderBy(kv => kv.Key).Select(kv => PopValues(kv.Key, nodeId, kv.Value)).ToList(), cancellationToken);

        static long[] Sums<TKey>(Dictionary<TKey, long[]> target, TKey key)
            where TKey : notnull
        {
            if (!target.TryGetValue(key, out var sums))
            {
                target[key] = sums = new long[UsageCounters.Length];
            }

            return sums;
        }

        static void Add(long[] sums, UsageRollup row)
        {
            sums[0] += row.Requests;
            sums[1] += row.BytesToClients;
            sums[2] += row.BytesFromOrigin;
            sums[3] += row.Status2xx;
            sums[4] += row.Status3xx;
            sums[5] += row.Status4xx;
            sums[6] += row.Status5xx;
            sums[7] += row.Hits;
            sums[8] += row.Misses;
        }
    }

    public async Task AddDecisionsAsync(SpeederaDbContext db, string nodeId, IReadOnlyList<DecisionCountRow> rows, CancellationToken cancellationToken)
    {
        var cutoff = Options.MinuteCutoff(time.GetUtcNow());
        var minutes = new Dictionary<(DateTime, string, string, string, string), long>();
        var hours = new Dictionary<(DateTime, string, string, string, string), long>();
        foreach (var row in rows)
        {
            var minute = Truncate(row.Minute.UtcDateTime, TimeSpan.TicksPerMinute);
            var (target, at) = minute < cutoff ? (hours, Truncate(minute, TimeSpan.TicksPerHour)) : (minutes, minute);
            var key = (at, row.Hostname, row.Address, row.PopId, row.Reason?.ToString() ?? "");
            target[key] = target.GetValueOrDefault(key) + row.Count;
        }

        await UpsertAsync(db, "DecisionCounts", DecisionKey, CountOnly, minutes.Select(kv => DecisionValues(kv.Key, nodeId, kv.Value)).ToList(), cancellationToken);
        await UpsertAsync(db, "DecisionHourly", DecisionHourKey, CountOnly, hours.Select(kv => DecisionValues(kv.Key, nodeId, kv.Value)).ToList(), cancellationToken);
    }

    public async Task AddClientGroupsAsync(SpeederaDbContext db, string nodeId, IReadOnlyList<ClientGroupCountRow> rows, CancellationToken cancellationToken)
    {
        var oldest = time.GetUtcNow().UtcDateTime - Options.ClientGroupRetention;
        var sums = new Dictionary<(DateTime, string, string, string), long>();
        foreach (var row in rows)
        {
            var minute = Truncate(row.Minute.UtcDateTime, TimeSpan.TicksPerMinute);
            if (minute < oldest)
            {
                continue;
            }

            var key = (minute, row.Hostname, row.ClientSubnet, row.Resolver);
            sums[key] = sums.GetValueOrDefault(key) + row.Count;
        }

        await UpsertAsync(db, "ClientGroupCounts", ClientGroupKey, CountOnly,
            sums.Select(kv => new object[] { kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Key.Item4, nodeId, kv.Value }).ToList(), cancellationToken);
    }

    public async Task<TrafficSeries<UsagePoint>> UsageAsync(TrafficQuery query, CancellationToken cancellationToken = default)
    {
        var (from, to, step, cutoff) = Window(query);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var names = query.Hostnames?.ToList();
        var rows = new List<UsageRow>();
        if (names is null && query.Split != UsageSplit.Hostname && db.Database.GetDbConnection() is NpgsqlConnection)
        {
            // Network-wide on PostgreSQL: the per-POP tables, bucketed by the database (date_bin) so a day at 5 minutes
            // returns 288 rows per POP rather than 1,440 per node.
            var key = query.Split == UsageSplit.Node ? "NodeId" : "PopId";
            if (from < cutoff)
            {
                rows.AddRange(await BinnedAsync(db, "UsagePopHourly", "Hour", key, step, from, from, to < cutoff ? to : cutoff, cancellationToken));
            }

            // Minute rows from the window's start: those older than the cutoff are the hours maintenance has not moved
            // yet (it moves an hour at a time, in one transaction), so nothing is counted twice or missed.
            rows.AddRange(await BinnedAsync(db, "UsagePopMinutes", "Minute", key, step, from, from, to, cancellationToken));
        }
        else if (names is null && query.Split != UsageSplit.Hostname)
        {
            // Network-wide by POP or node: the per-POP tables hold one row per node and interval, not one per hostname.
            if (from < cutoff)
            {
                var hourly = db.UsagePopHourly.AsNoTracking().Where(u => u.Hour >= from && u.Hour < (to < cutoff ? to : cutoff));
                var grouped = query.Split == UsageSplit.Node
                    ? hourly.GroupBy(u => new { Time = u.Hour, Key = u.NodeId })
                    : hourly.GroupBy(u => new { Time = u.Hour, Key = u.PopId });
                rows.AddRange(await grouped.Select(g => new UsageRow(g.Key.Time, g.Key.Key,
                    g.Sum(u => u.Requests), g.Sum(u => u.BytesToClients), g.Sum(u => u.BytesFromOrigin), g.Sum(u => u.Status2xx), g.Sum(u => u.Status3xx),
                    g.Sum(u => u.Status4xx), g.Sum(u => u.Status5xx), g.Sum(u => u.Hits), g.Sum(u => u.Misses))).ToListAsync(cancellationToken));
            }

            {
                var lower = from;
                var minute = db.UsagePopMinutes.AsNoTracking().Where(u => u.Minute >= lower && u.Minute < to);
                var grouped = query.Split == UsageSplit.Node
                    ? minute.GroupBy(u => new { Time = u.Minute, Key = u.NodeId })
                    : minute.GroupBy(u => new { Time = u.Minute, Key = u.PopId });
                rows.AddRange(await grouped.Select(g => new UsageRow(g.Key.Time, g.Key.Key,
                    g.Sum(u => u.Requests), g.Sum(u => u.BytesToClients), g.Sum(u => u.BytesFromOrigin), g.Sum(u => u.Status2xx), g.Sum(u => u.Status3xx),
                    g.Sum(u => u.Status4xx), g.Sum(u => u.Status5xx), g.Sum(u => u.Hits), g.Sum(u => u.Misses))).ToListAsync(cancellationToken));
            }
        }
        else if (from < cutoff)
        {
            var hourly = db.UsageHourly.AsNoTracking().Where(u => u.Hour >= from && u.Hour < (to < cutoff ? to : cutoff));
            if (names is not null)
            {
                hourly = hourly.Where(u => names.Contains(u.Hostname));
            }

            var grouped = query.Split switch
            {
                UsageSplit.Node => hourly.GroupBy(u => new { Time = u.Hour, Key = u.NodeId }),
                UsageSplit.Hostname => hourly.GroupBy(u => new { Time = u.Hour, Key = u.Hostname }),
                _ => hourly.GroupBy(u => new { Time = u.Hour, Key = u.PopId }),
            };
            rows.AddRange(await grouped.Select(g => new UsageRow(g.Key.Time, g.Key.Key,
                g.Sum(u => u.Requests), g.Sum(u => u.BytesToClients), g.Sum(u => u.BytesFromOrigin), g.Sum(u => u.Status2xx), g.Sum(u => u.Status3xx),
                g.Sum(u => u.Status4xx), g.Sum(u => u.Status5xx), g.Sum(u => u.Hits), g.Sum(u => u.Misses))).ToListAsync(cancellationToken));
        }

        // Minute rows from the window's start: those older than the cutoff are the hours maintenance has not moved yet.
        if (names is not null || query.Split == UsageSplit.Hostname)
        {
            var lower = from;
            var minute = db.UsageRollups.AsNoTracking().Where(u => u.Minute >= lower && u.Minute < to);
            if (names is not null)
            {
                minute = minute.Where(u => names.Contains(u.Hostname));
            }

            var grouped = query.Split switch
            {
                UsageSplit.Node => minute.GroupBy(u => new { Time = u.Minute, Key = u.NodeId }),
                UsageSplit.Hostname => minute.GroupBy(u => new { Time = u.Minute, Key = u.Hostname }),
                _ => minute.GroupBy(u => new { Time = u.Minute, Key = u.PopId }),
            };
            rows.AddRange(await grouped.Select(g => new UsageRow(g.Key.Time, g.Key.Key,
                g.Sum(u => u.Requests), g.Sum(u => u.BytesToClients), g.Sum(u => u.BytesFromOrigin), g.Sum(u => u.Status2xx), g.Sum(u => u.Status3xx),
                g.Sum(u => u.Status4xx), g.Sum(u => u.Status5xx), g.Sum(u => u.Hits), g.Sum(u => u.Misses))).ToListAsync(cancellationToken));
        }

        var points = rows
            .GroupBy(r => (Time: Bucket(r.Time, from, step), r.Key))
            .Select(g => new UsagePoint(new DateTimeOffset(g.Key.Time, TimeSpan.Zero), g.Key.Key,
                g.Sum(r => r.Requests), g.Sum(r => r.BytesToClients), g.Sum(r => r.BytesFromOrigin), g.Sum(r => r.Status2xx), g.Sum(r => r.Status3xx),
                g.Sum(r => r.Status4xx), g.Sum(r => r.Status5xx), g.Sum(r => r.Hits), g.Sum(r => r.Misses)))
            .OrderBy(p => p.Time).ThenBy(p => p.Key, StringComparer.Ordinal)
            .ToList();
        return new(new DateTimeOffset(from, TimeSpan.Zero), new DateTimeOffset(to, TimeSpan.Zero), step, points);
    }

    public async Task<TrafficSeries<DecisionPoint>> DecisionsAsync(TrafficQuery query, CancellationToken cancellationToken = default)
    {
        var (from, to, step, cutoff) = Window(query);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var names = query.Hostnames?.ToList();
        var rows = new List<(DateTime Time, string Hostname, string Address, string PopId, string Reason, long Count)>();
        if (from < cutoff)
        {
            var hourly = db.DecisionHourly.AsNoTracking().Where(d => d.Hour >= from && d.Hour < (to < cutoff ? to : cutoff));
            if (names is not null)
            {
                hourly = hourly.Where(d => names.Contains(d.Hostname));
            }

            var list = await hourly.GroupBy(d => new { d.Hour, d.Hostname, d.Address, d.PopId, d.Reason })
                .Select(g => new { g.Key.Hour, g.Key.Hostname, g.Key.Address, g.Key.PopId, g.Key.Reason, Count = g.Sum(d => d.Count) })
                .ToListAsync(cancellationToken);
            rows.AddRange(list.Select(d => (d.Hour, d.Hostname, d.Address, d.PopId, d.Reason, d.Count)));
        }

        // Minute rows from the window's start: those older than the cutoff are the hours maintenance has not moved yet.
        {
            var lower = from;
            var minute = db.DecisionCounts.AsNoTracking().Where(d => d.Minute >= lower && d.Minute < to);
            if (names is not null)
            {
                minute = minute.Where(d => names.Contains(d.Hostname));
            }

            var list = await minute.GroupBy(d => new { d.Minute, d.Hostname, d.Address, d.PopId, d.Reason })
                .Select(g => new { g.Key.Minute, g.Key.Hostname, g.Key.Address, g.Key.PopId, g.Key.Reason, Count = g.Sum(d => d.Count) })
                .ToListAsync(cancellationToken);
            rows.AddRange(list.Select(d => (d.Minute, d.Hostname, d.Address, d.PopId, d.Reason, d.Count)));
        }

        var points = rows
            .GroupBy(r => (Time: Bucket(r.Time, from, step), r.Hostname, r.Address, r.PopId, r.Reason))
            .Select(g => new DecisionPoint(new DateTimeOffset(g.Key.Time, TimeSpan.Zero), g.Key.Hostname, g.Key.Address, g.Key.PopId, g.Key.Reason, g.Sum(r => r.Count)))
            .OrderBy(p => p.Time).ThenBy(p => p.Hostname, StringComparer.Ordinal).ThenBy(p => p.Address, StringComparer.Ordinal)
            .ThenBy(p => p.PopId, StringComparer.Ordinal).ThenBy(p => p.Reason, StringComparer.Ordinal)
            .ToList();
        return new(new DateTimeOffset(from, TimeSpan.Zero), new DateTimeOffset(to, TimeSpan.Zero), step, points);
    }

    public async Task<IReadOnlyList<ClientGroupTotal>> ClientGroupsAsync(string? hostname, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var from = since.UtcDateTime;
        var rows = db.ClientGroupCounts.AsNoTracking().Where(c => c.Minute >= from);
        if (hostname is not null)
        {
            rows = rows.Where(c => c.Hostname == hostname);
        }

        var list = await rows.GroupBy(c => new { c.Hostname, c.ClientSubnet, c.Resolver })
            .Select(g => new { g.Key.Hostname, g.Key.ClientSubnet, g.Key.Resolver, Queries = g.Sum(c => c.Count) })
            .ToListAsync(cancellationToken);
        return list.Select(c => new ClientGroupTotal(c.Hostname, c.ClientSubnet, c.Resolver, c.Queries))
            .OrderByDescending(c => c.Queries).ThenBy(c => c.Hostname, StringComparer.Ordinal).ThenBy(c => c.ClientSubnet, StringComparer.Ordinal)
            .ThenBy(c => c.Resolver, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<IReadOnlyDictionary<string, long>> QueryCountsAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var from = since.UtcDateTime;
        var list = await db.ClientGroupCounts.AsNoTracking().Where(c => c.Minute >= from)
            .GroupBy(c => c.Hostname)
            .Select(g => new { Hostname = g.Key, Queries = g.Sum(c => c.Count) })
            .ToListAsync(cancellationToken);
        return list.ToDictionary(c => c.Hostname, c => c.Queries, StringComparer.Ordinal);
    }

    public async Task<TrafficMaintenanceResult> MaintainAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var cutoff = Options.MinuteCutoff(now);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
        int hoursDone = 0;
        long moved = 0;
        bool partitioned = await IsPartitionedAsync(db, cancellationToken);
        if (partitioned)
        {
            await EnsurePartitionsAsync(db, now.UtcDateTime, cutoff, cancellationToken);
        }

        // One hour per transaction: an interrupted run leaves every hour either moved whole or not at all.
        while (true)
        {
            var oldestUsage = await db.UsageRollups.Where(u => u.Minute < cutoff).OrderBy(u => u.Minute).Select(u => (DateTime?)u.Minute).FirstOrDefaultAsync(cancellationToken);
            var oldestDecision = await db.DecisionCounts.Where(d => d.Minute < cutoff).OrderBy(d => d.Minute).Select(d => (DateTime?)d.Minute).FirstOrDefaultAsync(cancellationToken);
            var oldestPop = await db.UsagePopMinutes.Where(u => u.Minute < cutoff).OrderBy(u => u.Minute).Select(u => (DateTime?)u.Minute).FirstOrDefaultAsync(cancellationToken);
            var oldest = new[] { oldestUsage, oldestDecision, oldestPop }.Where(t => t is not null).Min();
            if (oldest is null)
            {
                break;
            }

            var hour = Truncate(oldest.Value, TimeSpan.TicksPerHour);
            var end = hour.AddHours(1);
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            var usage = await db.UsageRollups.AsNoTracking().Where(u => u.Minute >= hour && u.Minute < end)
                .GroupBy(u => new { u.Hostname, u.PopId, u.NodeId })
                .Select(g => new
                {
                    g.Key.Hostname, g.Key.PopId, g.Key.NodeId,
                    Requests = g.Sum(u => u.Requests), BytesToClients = g.Sum(u => u.BytesToClients), BytesFromOrigin = g.Sum(u => u.BytesFromOrigin),
                    Status2xx = g.Sum(u => u.Status2xx), Status3xx = g.Sum(u => u.Status3xx), Status4xx = g.Sum(u => u.Status4xx), Status5xx = g.Sum(u => u.Status5xx),
                    Hits = g.Sum(u => u.Hits), Misses = g.Sum(u => u.Misses),
                })
                .ToListAsync(cancellationToken);
            await UpsertAsync(db, "UsageHourly", UsageHourKey, UsageCounters,
                usage.Select(u => new object[] { hour, u.Hostname, u.PopId, u.NodeId, u.Requests, u.BytesToClients, u.BytesFromOrigin, u.Status2xx, u.Status3xx, u.Status4xx, u.Status5xx, u.Hits, u.Misses }).ToList(),
                cancellationToken);
            var pops = await db.UsagePopMinutes.AsNoTracking().Where(u => u.Minute >= hour && u.Minute < end)
                .GroupBy(u => new { u.PopId, u.NodeId })
                .Select(g => new
                {
                    g.Key.PopId, g.Key.NodeId,
                    Requests = g.Sum(u => u.Requests), BytesToClients = g.Sum(u => u.BytesToClients), BytesFromOrigin = g.Sum(u => u.BytesFromOrigin),
                    Status2xx = g.Sum(u => u.Status2xx), Status3xx = g.Sum(u => u.Status3xx), Status4xx = g.Sum(u => u.Status4xx), Status5xx = g.Sum(u => u.Status5xx),
                    Hits = g.Sum(u => u.Hits), Misses = g.Sum(u => u.Misses),
                })
                .ToListAsync(cancellationToken);
            await UpsertAsync(db, "UsagePopHourly", PopHourKey, UsageCounters,
                pops.OrderBy(u => u.PopId, StringComparer.Ordinal).ThenBy(u => u.NodeId, StringComparer.Ordinal)
                    .Select(u => new object[] { hour, u.PopId, u.NodeId, u.Requests, u.BytesToClients, u.BytesFromOrigin, u.Status2xx, u.Status3xx, u.Status4xx, u.Status5xx, u.Hits, u.Misses }).ToList(),
                cancellationToken);
            var decisions = await db.DecisionCounts.AsNoTracking().Where(d => d.Minute >= hour && d.Minute < end)
                .GroupBy(d => new { d.NodeId, d.Hostname, d.Address, d.PopId, d.Reason })
                .Select(g => new { g.Key.NodeId, g.Key.Hostname, g.Key.Address, g.Key.PopId, g.Key.Reason, Count = g.Sum(d => d.Count) })
                .ToListAsync(cancellationToken);
            await UpsertAsync(db, "DecisionHourly", DecisionHourKey, CountOnly,
                decisions.Select(d => new object[] { hour, d.NodeId, d.Hostname, d.Address, d.PopId, d.Reason, d.Count }).ToList(), cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            moved += await db.UsageRollups.Where(u => u.Minute >= hour && u.Minute < end).ExecuteDeleteAsync(cancellationToken);
            moved += await db.DecisionCounts.Where(d => d.Minute >= hour && d.Minute < end).ExecuteDeleteAsync(cancellationToken);
            await db.UsagePopMinutes.Where(u => u.Minute >= hour && u.Minute < end).ExecuteDeleteAsync(cancellationToken);
            await tx.CommitAsync(cancellationToken);
            hoursDone++;
        }

        var hourlyOldest = now.UtcDateTime - Options.HourlyRetention;
        var groupsOldest = now.UtcDateTime - Options.ClientGroupRetention;
        long expired = 0, groups = 0;
        if (partitioned)
        {
            // Whole partitions past the window go at once; the deletes below then only touch the boundary partition.
            // Minute partitions go once downsampling emptied them (a row the loop has not moved keeps its day).
            foreach (var table in MinuteTables.Where(t => t != "ClientGroupCounts"))
            {
                await DropPartitionsAsync(db, table, cutoff, onlyEmpty: true, cancellationToken);
            }

            expired += await DropPartitionsAsync(db, "UsageHourly", hourlyOldest, onlyEmpty: false, cancellationToken);
            expired += await DropPartitionsAsync(db, "DecisionHourly", hourlyOldest, onlyEmpty: false, cancellationToken);
            await DropPartitionsAsync(db, "UsagePopHourly", hourlyOldest, onlyEmpty: false, cancellationToken);
            groups += await DropPartitionsAsync(db, "ClientGroupCounts", groupsOldest, onlyEmpty: false, cancellationToken);
        }

        expired += await db.UsageHourly.Where(u => u.Hour < hourlyOldest).ExecuteDeleteAsync(cancellationToken);
        expired += await db.DecisionHourly.Where(d => d.Hour < hourlyOldest).ExecuteDeleteAsync(cancellationToken);
        await db.UsagePopHourly.Where(u => u.Hour < hourlyOldest).ExecuteDeleteAsync(cancellationToken);
        groups += await db.ClientGroupCounts.Where(c => c.Minute < groupsOldest).ExecuteDeleteAsync(cancellationToken);
        var result = new TrafficMaintenanceResult(hoursDone, moved, expired, groups);
        LogMaintained(logger, hoursDone, moved, expired, groups);
        return result;
    }

    private static async Task<List<UsageRow>> BinnedAsync(
        SpeederaDbContext db, string table, string timeColumn, string keyColumn, TimeSpan step, DateTime origin, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var sums = string.Join(", ", UsageCounters.Select(c => $"SUM(\"{c}\")::bigint AS \"{c}\""));

        // Table and column names are this class's constants.
        string sql = $"SELECT date_bin(@step, \"{timeColumn}\", @origin) AS \"Time\", \"{keyColumn}\" AS \"Key\", {sums} FROM \"{table}\" " +
            $"WHERE \"{timeColumn}\" >= @from AND \"{timeColumn}\" < @to GROUP BY 1, 2";
        var binned = await db.Database.SqlQueryRaw<BinnedUsage>(sql,
                new NpgsqlParameter("step", step), new NpgsqlParameter("origin", origin), new NpgsqlParameter("from", from), new NpgsqlParameter("to", to))
            .ToListAsync(cancellationToken);
        return binned.Select(b => new UsageRow(DateTime.SpecifyKind(b.Time, DateTimeKind.Utc), b.Key, b.Requests, b.BytesToClients, b.BytesFromOrigin,
            b.Status2xx, b.Status3xx, b.Status4xx, b.Status5xx, b.Hits, b.Misses)).ToList();
    }

    private static readonly string[] MinuteTables = ["UsageRollups", "UsagePopMinutes", "DecisionCounts", "ClientGroupCounts"];
    private static readonly string[] HourlyTables = ["UsageHourly", "UsagePopHourly", "DecisionHourly"];

    /// <summary>PostgreSQL with the PartitionTrafficTables migration applied: the traffic tables are partitioned by time.</summary>
    private static async Task<bool> IsPartitionedAsync(SpeederaDbContext db, CancellationToken cancellationToken) =>
        db.Database.GetDbConnection() is NpgsqlConnection
        && await db.Database.SqlQueryRaw<bool>("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = 'UsageRollups') AS \"Value\"")
            .SingleAsync(cancellationToken);

    /// <summary>
    /// Creates the day partitions of the minute tables from the minute window's start to two days ahead, and the month
    /// partitions of the hourly tables over the retention and one month ahead. Rows that reached the DEFAULT partition
    /// for a range (written before its partition existed) move into the new partition as it is attached.
    /// </summary>
    private async Task EnsurePartitionsAsync(SpeederaDbContext db, DateTime now, DateTime cutoff, CancellationToken cancellationToken)
    {
        var firstDay = (cutoff < now - Options.ClientGroupRetention ? cutoff : now - Options.ClientGroupRetention).Date;
        foreach (var table in MinuteTables)
        {
            for (var day = firstDay; day <= now.Date.AddDays(2); day = day.AddDays(1))
            {
                await EnsurePartitionAsync(db, table, "Minute", $"{table}_d{day:yyyyMMdd}", day, day.AddDays(1), cancellationToken);
            }
        }

        var oldest = now - Options.HourlyRetention;
        var firstMonth = new DateTime(oldest.Year, oldest.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (var table in HourlyTables)
        {
            for (var month = firstMonth; month <= now.AddMonths(1); month = month.AddMonths(1))
            {
                await EnsurePartitionAsync(db, table, "Hour", $"{table}_m{month:yyyyMM}", month, month.AddMonths(1), cancellationToken);
            }
        }
    }

    private async Task EnsurePartitionAsync(SpeederaDbContext db, string table, string column, string partition, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var exists = await db.Database.SqlQueryRaw<bool>("SELECT to_regclass(quote_ident({0})) IS NOT NULL AS \"Value\"", partition).SingleAsync(cancellationToken);
        if (exists)
        {
            return;
        }

        // Names are built from this class's constants and dates; bounds are ISO timestamps formatted here.
        var lower = from.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "+00";
        var upper = to.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "+00";
        string sql = $"""
            CREATE TABLE "{partition}" (LIKE "{table}" INCLUDING DEFAULTS);
            WITH moved AS (DELETE FROM "{table}_default" WHERE "{column}" >= '{lower}' AND "{column}" < '{upper}' RETURNING *)
              INSERT INTO "{partition}" SELECT * FROM moved;
            ALTER TABLE "{table}" ATTACH PARTITION "{partition}" FOR VALUES FROM ('{lower}') TO ('{upper}');
            """;
        // Attaching locks the parent and its default partition: give way to readers holding them (a rating snapshot
        // reads several tables in one transaction) rather than deadlock with them; the next run tries again.
        await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync(LockTimeout, cancellationToken);
            await db.Database.ExecuteSqlRawAsync(sql, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            LogPartitionCreated(logger, partition);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected)
        {
            await tx.RollbackAsync(cancellationToken);
            LogPartitionDeferred(logger, partition);
        }
    }

    /// <summary>Drops the partitions of <paramref name="table"/> that end at or before <paramref name="before"/>; returns the rows they held.</summary>
    private async Task<long> DropPartitionsAsync(SpeederaDbContext db, string table, DateTime before, bool onlyEmpty, CancellationToken cancellationToken)
    {
        var partitions = await db.Database.SqlQueryRaw<string>(
            "SELECT c.relname AS \"Value\" FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(quote_ident({0}))", table)
            .ToListAsync(cancellationToken);
        long rows = 0;
        foreach (var partition in partitions)
        {
            if (PartitionEnd(table, partition) is not { } end || end > before)
            {
                continue;
            }

            string count = $"SELECT COUNT(*) AS \"Value\" FROM \"{partition}\"";
            long held = await db.Database.SqlQueryRaw<long>(count).SingleAsync(cancellationToken);
            if (onlyEmpty && held > 0)
            {
                continue;
            }

            string drop = $"DROP TABLE \"{partition}\"";
            await using var tx = await db.Database.BeginTransactionAsync(cancellationToken);
            try
            {
                await db.Database.ExecuteSqlRawAsync(LockTimeout, cancellationToken);
                await db.Database.ExecuteSqlRawAsync(drop, cancellationToken);
                await tx.CommitAsync(cancellationToken);
                rows += held;
                LogPartitionDropped(logger, partition, held);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected)
            {
                await tx.RollbackAsync(cancellationToken);
                LogPartitionDeferred(logger, partition);
            }
        }

        return rows;
    }

    /// <summary>The end of a partition's range from its name (<c>{table}_dyyyyMMdd</c> or <c>{table}_myyyyMM</c>); null for others.</summary>
    internal static DateTime? PartitionEnd(string table, string partition)
    {
        var suffix = partition.StartsWith(table + "_", StringComparison.Ordinal) ? partition[(table.Length + 1)..] : "";
        if (suffix.Length == 9 && suffix[0] == 'd' && DateTime.TryParseExact(suffix[1..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day))
        {
            return DateTime.SpecifyKind(day, DateTimeKind.Utc).AddDays(1);
        }

        if (suffix.Length == 7 && suffix[0] == 'm' && DateTime.TryParseExact(suffix[1..], "yyyyMM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var month))
        {
            return DateTime.SpecifyKind(month, DateTimeKind.Utc).AddMonths(1);
        }

        return null;
    }

    /// <summary>Shorter than PostgreSQL's deadlock_timeout (1 s): partition work times out before a deadlock is detected.</summary>
    private const string LockTimeout = "SET LOCAL lock_timeout = '500ms'";

    [LoggerMessage(EventId = 4604, Level = LogLevel.Information, Message = "Traffic partition {Partition}: locks held by readers, left for the next maintenance run")]
    private static partial void LogPartitionDeferred(ILogger logger, string partition);

    [LoggerMessage(EventId = 4602, Level = LogLevel.Information, Message = "Traffic partition {Partition} created")]
    private static partial void LogPartitionCreated(ILogger logger, string partition);

    [LoggerMessage(EventId = 4603, Level = LogLevel.Information, Message = "Traffic partition {Partition} dropped ({Rows} rows)")]
    private static partial void LogPartitionDropped(ILogger logger, string partition, long rows);

    private (DateTime From, DateTime To, TimeSpan Step, DateTime Cutoff) Window(TrafficQuery query)
    {
        var cutoff = Options.MinuteCutoff(time.GetUtcNow());
        var step = query.Step < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : query.Step;
        var from = query.From.UtcDateTime;
        if (from < cutoff && step < TimeSpan.FromHours(1))
        {
            step = TimeSpan.FromHours(1);
        }

        // Buckets start on multiples of the step (UTC), so a range's points line up with stored minutes and hours.
        from = Truncate(from, Math.Min(step.Ticks, TimeSpan.TicksPerDay));
        var to = query.To.UtcDateTime;
        return (from, to, step, cutoff);
    }

    private static DateTime Bucket(DateTime time, DateTime from, TimeSpan step)
    {
        var utc = DateTime.SpecifyKind(time, DateTimeKind.Utc);
        long offset = (utc.Ticks - from.Ticks) / step.Ticks * step.Ticks;
        return new DateTime(from.Ticks + offset, DateTimeKind.Utc);
    }

    private static DateTime Truncate(DateTime time, long unitTicks) => new(time.Ticks - (time.Ticks % unitTicks), DateTimeKind.Utc);

    private static object[] UsageValues((DateTime At, string Hostname, string PopId) key, string nodeId, long[] sums) =>
        [key.At, key.Hostname, key.PopId, nodeId, .. sums.Cast<object>()];

    private static object[] PopValues((DateTime At, string PopId) key, string nodeId, long[] sums) =>
        [key.At, key.PopId, nodeId, .. sums.Cast<object>()];

    private static object[] DecisionValues((DateTime At, string Hostname, string Address, string PopId, string Reason) key, string nodeId, long count) =>
        [key.At, nodeId, key.Hostname, key.Address, key.PopId, key.Reason, count];

    /// <summary>
    /// Adds <paramref name="counters"/> of each row to the stored row with the same key, inserting it when missing.
    /// Rows must have distinct keys (callers sum duplicates first: one statement may not touch a row twice).
    /// </summary>
    internal static async Task UpsertAsync(
        SpeederaDbContext db, string table, string[] keyColumns, string[] counters, IReadOnlyList<object[]> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var provider = db.Database.ProviderName ?? "";
        if (!provider.Contains("Sqlite", StringComparison.Ordinal) && !provider.Contains("Npgsql", StringComparison.Ordinal))
        {
            await UpsertWithTrackingAsync(db, table, keyColumns, counters, rows, cancellationToken);
            return;
        }

        var columns = keyColumns.Concat(counters).ToArray();
        if (rows.Count >= CopyThreshold && db.Database.GetDbConnection() is NpgsqlConnection npgsql)
        {
            await CopyUpsertAsync(db, npgsql, table, keyColumns, counters, columns, rows, cancellationToken);
            return;
        }

        // Parameters of the provider's own type; EF runs the statement on its connection and transaction.
        using var parameterFactory = db.Database.GetDbConnection().CreateCommand();
        for (int start = 0; start < rows.Count; start += RowsPerStatement)
        {
            var chunk = rows.Skip(start).Take(RowsPerStatement).ToList();
            var sql = new StringBuilder();
            sql.Append("INSERT INTO \"").Append(table).Append("\" (").AppendJoin(", ", columns.Select(c => $"\"{c}\"")).Append(") VALUES ");
            var parameters = new List<DbParameter>(chunk.Count * columns.Length);
            for (int r = 0; r < chunk.Count; r++)
            {
                sql.Append(r == 0 ? "(" : ", (");
                for (int c = 0; c < columns.Length; c++)
                {
                    var name = "p" + parameters.Count.ToString(CultureInfo.InvariantCulture);
                    sql.Append(c == 0 ? "@" : ", @").Append(name);
                    var parameter = parameterFactory.CreateParameter();
                    parameter.ParameterName = name;
                    parameter.Value = chunk[r][c];
                    parameters.Add(parameter);
                }

                sql.Append(')');
            }

            sql.Append(" ON CONFLICT (").AppendJoin(", ", keyColumns.Select(c => $"\"{c}\"")).Append(") DO UPDATE SET ")
                .AppendJoin(", ", counters.Select(c => $"\"{c}\" = \"{table}\".\"{c}\" + excluded.\"{c}\""));
            await db.Database.ExecuteSqlRawAsync(sql.ToString(), parameters, cancellationToken);
        }
    }

    /// <summary>
    /// PostgreSQL, large batches: binary COPY into a temporary table, then one <c>INSERT ... SELECT ... ON CONFLICT</c> in
    /// key order. COPY skips parsing thousands of parameters, which is most of the cost of the multi-row INSERT.
    /// </summary>
    private static async Task CopyUpsertAsync(
        SpeederaDbContext db, NpgsqlConnection connection, string table, string[] keyColumns, string[] counters, string[] columns, IReadOnlyList<object[]> rows, CancellationToken cancellationToken)
    {
        var ownTransaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        try
        {
            var staging = "staging_" + table;
            var columnList = string.Join(", ", columns.Select(c => $"\"{c}\""));
            // Table and column names come from this class's constants, never from input.
            string create = $"CREATE TEMP TABLE \"{staging}\" (LIKE \"{table}\") ON COMMIT DROP";
            await db.Database.ExecuteSqlRawAsync(create, cancellationToken);
            await using (var writer = await connection.BeginBinaryImportAsync($"COPY \"{staging}\" ({columnList}) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var row in rows)
                {
                    await writer.StartRowAsync(cancellationToken);
                    foreach (var value in row)
                    {
                        switch (value)
                        {
                            case DateTime t:
                                await writer.WriteAsync(DateTime.SpecifyKind(t, DateTimeKind.Utc), NpgsqlDbType.TimestampTz, cancellationToken);
                                break;
                            case string text:
                                await writer.WriteAsync(text, NpgsqlDbType.Varchar, cancellationToken);
                                break;
                            case long number:
                                await writer.WriteAsync(number, NpgsqlDbType.Bigint, cancellationToken);
                                break;
                            default:
                                throw new InvalidOperationException($"Unexpected {value?.GetType().Name ?? "null"} for {table}.");
                        }
                    }
                }

                await writer.CompleteAsync(cancellationToken);
            }

            var keys = string.Join(", ", keyColumns.Select(c => $"\"{c}\""));
            var updates = string.Join(", ", counters.Select(c => $"\"{c}\" = \"{table}\".\"{c}\" + excluded.\"{c}\""));
            string merge = $"INSERT INTO \"{table}\" ({columnList}) SELECT {columnList} FROM \"{staging}\" ORDER BY {keys} ON CONFLICT ({keys}) DO UPDATE SET {updates}";
            await db.Database.ExecuteSqlRawAsync(merge, cancellationToken);
            string drop = $"DROP TABLE \"{staging}\"";
            await db.Database.ExecuteSqlRawAsync(drop, cancellationToken);
            if (ownTransaction is not null)
            {
                await ownTransaction.CommitAsync(cancellationToken);
            }
        }
        finally
        {
            if (ownTransaction is not null)
            {
                await ownTransaction.DisposeAsync();
            }
        }
    }

    /// <summary>SQL Server (no ON CONFLICT): one query for the batch's existing rows, then EF inserts and updates them.</summary>
    private static async Task UpsertWithTrackingAsync(
        SpeederaDbContext db, string table, string[] keyColumns, string[] counters, IReadOnlyList<object[]> rows, CancellationToken cancellationToken)
    {
        var entityType = db.Model.GetEntityTypes().Single(e => e.GetTableName() == table);
        var clr = entityType.ClrType;
        var timeColumn = keyColumns[0];
        var times = rows.Select(r => (DateTime)r[0]).Distinct().ToList();
        var min = times.Min();
        var max = times.Max();
        var set = (IQueryable<object>)typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!.MakeGenericMethod(clr).Invoke(db, null)!;
        var existing = await set.Where(e => EF.Property<DateTime>(e, timeColumn) >= min && EF.Property<DateTime>(e, timeColumn) <= max).ToListAsync(cancellationToken);
        var byKey = existing.ToDictionary(e => string.Join('\n', keyColumns.Select(k => Convert.ToString(entityType.FindProperty(k)!.PropertyInfo!.GetValue(e), CultureInfo.InvariantCulture))));
        foreach (var row in rows)
        {
            var key = string.Join('\n', keyColumns.Select((_, i) => Convert.ToString(row[i], CultureInfo.InvariantCulture)));
            if (!byKey.TryGetValue(key, out var entity))
            {
                entity = Activator.CreateInstance(clr)!;
                for (int i = 0; i < keyColumns.Length; i++)
                {
                    entityType.FindProperty(keyColumns[i])!.PropertyInfo!.SetValue(entity, row[i]);
                }

                db.Add(entity);
                byKey[key] = entity;
            }

            for (int i = 0; i < counters.Length; i++)
            {
                var property = entityType.FindProperty(counters[i])!.PropertyInfo!;
                property.SetValue(entity, (long)property.GetValue(entity)! + (long)row[keyColumns.Length + i]);
            }
        }
    }

    [LoggerMessage(EventId = 4601, Level = LogLevel.Information, Message = "Traffic maintenance: {Hours} hours downsampled ({Moved} minute rows), {Expired} hourly rows and {Groups} client-group rows past retention removed")]
    private static partial void LogMaintained(ILogger logger, int hours, long moved, long expired, long groups);

    /// <summary>A row of <see cref="BinnedAsync"/>'s query.</summary>
    private sealed class BinnedUsage
    {
        public DateTime Time { get; set; }

        public string Key { get; set; } = "";

        public long Requests { get; set; }

        public long BytesToClients { get; set; }

        public long BytesFromOrigin { get; set; }

        public long Status2xx { get; set; }

        public long Status3xx { get; set; }

        public long Status4xx { get; set; }

        public long Status5xx { get; set; }

        public long Hits { get; set; }

        public long Misses { get; set; }
    }

    private sealed record UsageRow(DateTime Time, string Key, long Requests, long BytesToClients, long BytesFromOrigin, long Status2xx, long Status3xx, long Status4xx, long Status5xx, long Hits, long Misses);
}
