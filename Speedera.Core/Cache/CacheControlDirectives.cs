namespace Speedera.Core.Cache;

/// <summary>
/// Parsed Cache-Control directives of a request or a response (RFC 9111 §5.2).
/// Durations are null when the directive is absent; unknown extensions are ignored (§5.2.3).
/// </summary>
public readonly record struct CacheControlDirectives
{
    /// <summary>Stands for a bare <c>max-stale</c> without a value: any staleness is accepted (§5.2.1.2).</summary>
    public static readonly TimeSpan Unlimited = TimeSpan.MaxValue;

    public bool NoStore { get; init; }
    public bool NoCache { get; init; }
    public bool Private { get; init; }
    public bool Public { get; init; }
    public bool MustRevalidate { get; init; }
    public bool ProxyRevalidate { get; init; }
    public bool NoTransform { get; init; }
    public bool OnlyIfCached { get; init; }
    public bool Immutable { get; init; }
    public bool MustUnderstand { get; init; }
    public TimeSpan? MaxAge { get; init; }
    public TimeSpan? SharedMaxAge { get; init; }
    public TimeSpan? MaxStale { get; init; }
    public TimeSpan? MinFresh { get; init; }
    public TimeSpan? StaleWhileRevalidate { get; init; }
    public TimeSpan? StaleIfError { get; init; }

    /// <summary>Parses every Cache-Control field line; directive names are case-insensitive (§5.2).</summary>
    public static CacheControlDirectives Parse(IEnumerable<string?> fieldValues)
    {
        var d = new CacheControlDirectives();
        foreach (var value in fieldValues)
        {
            if (!string.IsNullOrEmpty(value))
            {
                d = ParseInto(d, value.AsSpan());
            }
        }

        return d;
    }

    public static CacheControlDirectives Parse(string? fieldValue) =>
        string.IsNullOrEmpty(fieldValue) ? default : ParseInto(default, fieldValue.AsSpan());

    private static CacheControlDirectives ParseInto(CacheControlDirectives d, ReadOnlySpan<char> s)
    {
        while (!s.IsEmpty)
        {
            var comma = IndexOfCommaOutsideQuotes(s);
            var item = (comma < 0 ? s : s[..comma]).Trim();
            s = comma < 0 ? ReadOnlySpan<char>.Empty : s[(comma + 1)..];
            if (item.IsEmpty)
            {
                continue;
            }

            var eq = item.IndexOf('=');
            var name = (eq < 0 ? item : item[..eq]).Trim();
            var arg = eq < 0 ? ReadOnlySpan<char>.Empty : item[(eq + 1)..].Trim();
            if (arg.Length >= 2 && arg[0] == '"' && arg[^1] == '"')
            {
                arg = arg[1..^1];
            }

            if (Is(name, "no-store")) d = d with { NoStore = true };
            // A qualified no-cache or private (field names) is treated as unqualified: §5.2.2.4 and §5.2.2.7 allow that.
            else if (Is(name, "no-cache")) d = d with { NoCache = true };
            else if (Is(name, "private")) d = d with { Private = true };
            else if (Is(name, "public")) d = d with { Public = true };
            else if (Is(name, "must-revalidate")) d = d with { MustRevalidate = true };
            else if (Is(name, "proxy-revalidate")) d = d with { ProxyRevalidate = true };
            else if (Is(name, "no-transform")) d = d with { NoTransform = true };
            else if (Is(name, "only-if-cached")) d = d with { OnlyIfCached = true };
            else if (Is(name, "immutable")) d = d with { Immutable = true };
            else if (Is(name, "must-understand")) d = d with { MustUnderstand = true };
            else if (Is(name, "max-age")) d = d with { MaxAge = Merge(d.MaxAge, ParseSeconds(arg)) };
            else if (Is(name, "s-maxage")) d = d with { SharedMaxAge = Merge(d.SharedMaxAge, ParseSeconds(arg)) };
            else if (Is(name, "max-stale")) d = d with { MaxStale = arg.IsEmpty ? Unlimited : ParseSeconds(arg) ?? d.MaxStale };
            else if (Is(name, "min-fresh")) d = d with { MinFresh = ParseSeconds(arg) ?? d.MinFresh };
            else if (Is(name, "stale-while-revalidate")) d = d with { StaleWhileRevalidate = ParseSeconds(arg) ?? d.StaleWhileRevalidate };
            else if (Is(name, "stale-if-error")) d = d with { StaleIfError = ParseSeconds(arg) ?? d.StaleIfError };
        }

        return d;
    }

    // §4.2.1: with duplicate or conflicting max-age values the cache should take the most restrictive; an invalid value counts as zero.
    private static TimeSpan? Merge(TimeSpan? existing, TimeSpan? parsed)
    {
        var value = parsed ?? TimeSpan.Zero;
        return existing is { } e && e < value ? e : value;
    }

    private static bool Is(ReadOnlySpan<char> name, string directive) =>
        name.Equals(directive, StringComparison.OrdinalIgnoreCase);

    private static int IndexOfCommaOutsideQuotes(ReadOnlySpan<char> s)
    {
        var quoted = false;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '"')
            {
                quoted = !quoted;
            }
            else if (s[i] == ',' && !quoted)
            {
                return i;
            }
        }

        return -1;
    }

    // §1.2.2: delta-seconds is 1*DIGIT; values too large to hold are taken as 2^31 seconds.
    public static TimeSpan? ParseSeconds(ReadOnlySpan<char> arg)
    {
        if (arg.IsEmpty)
        {
            return null;
        }

        long seconds = 0;
        foreach (var c in arg)
        {
            if (c is < '0' or > '9')
            {
                return null;
            }

            seconds = Math.Min(seconds * 10 + (c - '0'), 2147483648L);
        }

        return TimeSpan.FromSeconds(seconds);
    }
}
