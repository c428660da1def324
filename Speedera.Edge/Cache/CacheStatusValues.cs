using System.Globalization;

namespace Speedera.Edge.Cache;

/// <summary>Cache-Status field values (RFC 9211) this cache emits, prebuilt where they are constant.</summary>
internal static class CacheStatusValues
{
    public const string Name = "Cache-Status";
    public const string Hit = "Speedera; hit";
    public const string MissStored = "Speedera; fwd=miss; stored";
    public const string VaryMissStored = "Speedera; fwd=vary-miss; stored";
    public const string Collapsed = "Speedera; hit; collapsed";
    public const string Method = "Speedera; fwd=method";
    public const string UnknownHost = "Speedera; fwd=bypass; detail=unknown-host";
    public const string OnlyIfCached = "Speedera; fwd=miss; detail=only-if-cached";

    public static string Stored(string fwd) => fwd switch
    {
        "miss" => MissStored,
        "vary-miss" => VaryMissStored,
        _ => $"Speedera; fwd={fwd}; fwd-status=200; stored",
    };

    public static string NotStored(string fwd, int status, string detail) =>
        $"Speedera; fwd={fwd}; fwd-status={status.ToString(CultureInfo.InvariantCulture)}; detail={detail}";

    public static string Revalidated(string fwd) => $"Speedera; fwd={fwd}; fwd-status=304";

    public static string StaleWhileRevalidate(TimeSpan ttl) =>
        $"Speedera; hit; ttl={((long)ttl.TotalSeconds).ToString(CultureInfo.InvariantCulture)}; detail=stale-while-revalidate";

    public static string StaleIfError(string fwd, string detail) => $"Speedera; fwd={fwd}; detail=stale-if-error-{detail}";

    public static string Error(string fwd, string detail) => $"Speedera; fwd={fwd}; detail={detail}";

    private static readonly string?[] Small = new string?[3600];

    /// <summary>Age field value (RFC 9111 §5.1), cached for the first hour to keep the hit path allocation-free.</summary>
    public static string Seconds(TimeSpan age)
    {
        var s = age <= TimeSpan.Zero ? 0 : (long)age.TotalSeconds;
        if (s < Small.Length)
        {
            return Small[s] ??= s.ToString(CultureInfo.InvariantCulture);
        }

        return s.ToString(CultureInfo.InvariantCulture);
    }
}
