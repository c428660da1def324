using Speedera.Core.Cache;
using Speedera.Core.Gtm;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Reports;

/// <summary>How usage rows are split into series besides time.</summary>
public enum UsageSplit
{
    Pop,
    Node,
    Hostname,
}

/// <summary>Summed cache counters of one time bucket and one key (a POP, node or hostname, per <see cref="UsageSplit"/>).</summary>
public sealed record UsagePoint(
    DateTimeOffset Time,
    string Key,
    long Requests,
    long BytesToClients,
    long BytesFromOrigin,
    long Status2xx,
    long Status3xx,
    long Status4xx,
    long Status5xx,
    long Hits,
    long Misses);

/// <summary>GTM answers of one time bucket for one (hostname, address, POP, reason).</summary>
public sealed record DecisionPoint(DateTimeOffset Time, string Hostname, string Address, string PopId, string Reason, long Count);

/// <summary>Queries one (client subnet, resolver) sent for a hostname over a window.</summary>
public sealed record ClientGroupTotal(string Hostname, string ClientSubnet, string Resolver, long Queries);

/// <summary>
/// <paramref name="Hostnames"/> null means every hostname (network-wide). <paramref name="Step"/> is the bucket
/// width the caller asked for; the store may widen it (see <see cref="TrafficSeries.Step"/>).
/// </summary>
public sealed record TrafficQuery(IReadOnlyCollection<string>? Hostnames, DateTimeOffset From, DateTimeOffset To, TimeSpan Step, UsageSplit Split = UsageSplit.Pop);

/// <summary>What a query returned, with the step actually used (hourly data cannot be split finer than an hour).</summary>
public sealed record TrafficSeries<T>(DateTimeOffset From, DateTimeOffset To, TimeSpan Step, IReadOnlyList<T> Points);

/// <summary>What one maintenance run did.</summary>
public sealed record TrafficMaintenanceResult(int HoursDownsampled, long MinuteRowsMoved, long HourlyRowsExpired, long ClientGroupRowsExpired);

/// <summary>
/// The analytics store: per-minute usage rollups, GTM decision counts and client-group counts. Ingest runs inside
/// the upload's unit of work (<paramref name="db"/>), so a record and its deduplication commit together; every
/// query opens its own context. Kept behind this interface so a columnar engine can take over.
/// </summary>
public interface ITrafficStore
{
    Task AddUsageAsync(SpeederaDbContext db, string nodeId, IReadOnlyList<UsageRollup> rows, CancellationToken cancellationToken);

    Task AddDecisionsAsync(SpeederaDbContext db, string nodeId, IReadOnlyList<DecisionCountRow> rows, CancellationToken cancellationToken);

    Task AddClientGroupsAsync(SpeederaDbContext db, string nodeId, IReadOnlyList<ClientGroupCountRow> rows, CancellationToken cancellationToken);

    Task<TrafficSeries<UsagePoint>> UsageAsync(TrafficQuery query, CancellationToken cancellationToken = default);

    Task<TrafficSeries<DecisionPoint>> DecisionsAsync(TrafficQuery query, CancellationToken cancellationToken = default);

    /// <summary>Who asked for <paramref name="hostname"/> (null: every hostname) since <paramref name="since"/>, most queries first.</summary>
    Task<IReadOnlyList<ClientGroupTotal>> ClientGroupsAsync(string? hostname, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>GTM queries per hostname since <paramref name="since"/> (from the client-group counts).</summary>
    Task<IReadOnlyDictionary<string, long>> QueryCountsAsync(DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Moves minute data older than the minute window into hourly rows and removes what is past retention.</summary>
    Task<TrafficMaintenanceResult> MaintainAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}

/// <summary>Windows of the analytics store.</summary>
public sealed class TrafficStoreOptions
{
    public const string Section = "Speedera:Traffic";

    /// <summary>Minute resolution is kept this long, then summed into hours.</summary>
    public TimeSpan MinuteWindow { get; set; } = TimeSpan.FromHours(48);

    /// <summary>Hourly rows are kept this long (13 months).</summary>
    public TimeSpan HourlyRetention { get; set; } = TimeSpan.FromDays(396);

    /// <summary>Client-group counts (minute resolution only) are kept this long.</summary>
    public TimeSpan ClientGroupRetention { get; set; } = TimeSpan.FromHours(48);

    /// <summary>How often the maintenance job runs (on one instance; see <see cref="JobLeaseEntity"/>).</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Start of the minute window at <paramref name="now"/>: older data is read from (and late rows go to) the hourly table.</summary>
    public DateTime MinuteCutoff(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var hour = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerHour), DateTimeKind.Utc);
        return hour - MinuteWindow;
    }
}
