using System.Globalization;

namespace Speedera.Web.Features.Traffic;

/// <summary>The windows the graphs offer, each with its resolution (minute data inside 48 h, hourly after).</summary>
public enum TrafficRange
{
    Hour,
    Day,
    Week,
    Month,
}

public static class TrafficRanges
{
    public static TimeSpan Length(this TrafficRange range) => range switch
    {
        TrafficRange.Hour => TimeSpan.FromHours(1),
        TrafficRange.Week => TimeSpan.FromDays(7),
        TrafficRange.Month => TimeSpan.FromDays(30),
        _ => TimeSpan.FromHours(24),
    };

    public static TimeSpan DefaultStep(this TrafficRange range) => range switch
    {
        TrafficRange.Hour => TimeSpan.FromMinutes(1),
        TrafficRange.Week => TimeSpan.FromHours(1),
        TrafficRange.Month => TimeSpan.FromHours(4),
        _ => TimeSpan.FromMinutes(5),
    };

    /// <summary>The comparison series: the previous day for 1 h and 24 h, the previous period for longer ranges.</summary>
    public static TimeSpan ComparisonShift(this TrafficRange range) => range is TrafficRange.Hour or TrafficRange.Day ? TimeSpan.FromDays(1) : range.Length();

    public static string ComparisonLabel(this TrafficRange range) => range switch
    {
        TrafficRange.Hour or TrafficRange.Day => "Previous day",
        TrafficRange.Week => "Previous 7 days",
        _ => "Previous 30 days",
    };

    public static string Code(this TrafficRange range) => range switch
    {
        TrafficRange.Hour => "1h",
        TrafficRange.Week => "7d",
        TrafficRange.Month => "30d",
        _ => "24h",
    };

    public static TrafficRange Parse(string? code) => code switch
    {
        "1h" => TrafficRange.Hour,
        "7d" => TrafficRange.Week,
        "30d" => TrafficRange.Month,
        _ => TrafficRange.Day,
    };
}

/// <summary>One interval of cache traffic, with the figures the graphs plot derived from its counters. <see cref="Duration"/> is the step, or less for the interval still running at the far right.</summary>
public sealed record TrafficBucket(
    DateTimeOffset Time,
    TimeSpan Duration,
    long Requests,
    long BytesToClients,
    long BytesFromOrigin,
    long Hits,
    long Misses,
    long Status2xx,
    long Status3xx,
    long Status4xx,
    long Status5xx)
{
    public double RequestsPerSecond => Requests / Duration.TotalSeconds;

    public double BitsPerSecond => BytesToClients * 8 / Duration.TotalSeconds;

    /// <summary>Hits among cacheable lookups, in percent; null when there were none.</summary>
    public double? HitRatio => Hits + Misses == 0 ? null : 100.0 * Hits / (Hits + Misses);

    /// <summary>Share of bytes served that did not come from the origin, in percent; null without traffic.</summary>
    public double? Offload => BytesToClients == 0 ? null : Math.Clamp(100.0 * (BytesToClients - BytesFromOrigin) / BytesToClients, 0, 100);
}

/// <summary>What one POP served over the window (the map's circles and the bar chart).</summary>
public sealed record PopTraffic(string PopId, string Name, string City, string Country, double Latitude, double Longitude, long Requests, long Bytes);

/// <summary>The CDN graphs of one hostname (or the whole network) over one window.</summary>
public sealed record TrafficReport(
    string Subject,
    TrafficRange Range,
    DateTimeOffset From,
    DateTimeOffset To,
    TimeSpan Step,
    string TimeZone,
    IReadOnlyList<TrafficBucket> Buckets,
    IReadOnlyList<TrafficBucket> Comparison,
    IReadOnlyList<PopTraffic> Pops,
    IReadOnlyList<(DateTimeOffset Time, string Label)> Midnights)
{
    public long TotalRequests => Buckets.Sum(b => b.Requests);

    public long TotalBytes => Buckets.Sum(b => b.BytesToClients);
}

/// <summary>One interval of GTM answers for one address, split by the engine's reasons.</summary>
public sealed record DecisionBucket(DateTimeOffset Time, string Address, string PopId, IReadOnlyDictionary<string, long> Reasons)
{
    public long Count => Reasons.Values.Sum();
}

/// <summary>Where the queries came from: a client subnet (ECS or resolver /24), its resolver and country.</summary>
public sealed record VisitorGroup(string ClientSubnet, string Resolver, string? CountryCode, string CountryName, long Queries);

/// <summary>The traffic-management graphs of one GTM hostname (or all of them) over one window.</summary>
public sealed record DecisionReport(
    string Subject,
    TrafficRange Range,
    DateTimeOffset From,
    DateTimeOffset To,
    TimeSpan Step,
    string TimeZone,
    IReadOnlyList<DateTimeOffset> Times,
    IReadOnlyList<string> Addresses,
    IReadOnlyList<DecisionBucket> Buckets,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<PopTraffic> Pops,
    IReadOnlyList<VisitorGroup> Visitors,
    string? VisitorAttribution,
    IReadOnlyList<(DateTimeOffset Time, string Label)> Midnights)
{
    public long Count(DateTimeOffset time, string address) =>
        Buckets.Where(b => b.Time == time && b.Address == address).Sum(b => b.Count);

    public long CountByReason(DateTimeOffset time, string reason) =>
        Buckets.Where(b => b.Time == time).Sum(b => b.Reasons.GetValueOrDefault(reason));
}

internal static class Csv
{
    public static string Field(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    public static string Number(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.####", CultureInfo.InvariantCulture) : "";

    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
