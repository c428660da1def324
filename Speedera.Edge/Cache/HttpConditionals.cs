using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Speedera.Edge.Cache;

/// <summary>Conditional requests (RFC 9110 §13) and byte ranges (RFC 9110 §14) evaluated against a stored response.</summary>
internal static class HttpConditionals
{
    /// <summary>RFC 9110 §13.2.2: If-None-Match takes precedence over If-Modified-Since; both only for GET and HEAD.</summary>
    public static bool IsNotModified(HttpRequest request, CachedResponse entry)
    {
        var headers = request.Headers;
        if (headers.IfNoneMatch.Count > 0)
        {
            if (entry.ETag is null)
            {
                return false;
            }

            foreach (var value in headers.IfNoneMatch)
            {
                foreach (var tag in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
                {
                    // §13.1.2 uses the weak comparison.
                    if (tag == "*" || WeakEquals(tag, entry.ETag))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        // RFC 9110 §13.1.3 and RFC 9111 §4.3.2: without Last-Modified the stored Date stands in for it.
        if (headers.IfModifiedSince.Count > 0 && (entry.LastModified ?? entry.Timing.Date) is { } lm &&
            HttpDate.Parse(headers.IfModifiedSince.ToString()) is { } since)
        {
            return lm <= since;
        }

        return false;
    }

    private static bool WeakEquals(string a, string b) =>
        string.Equals(StripWeak(a), StripWeak(b), StringComparison.Ordinal);

    private static string StripWeak(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;

    /// <summary>RFC 9110 §13.1.5: If-Range must match the stored validator strongly, else the whole object is sent.</summary>
    public static bool RangeApplies(HttpRequest request, CachedResponse entry)
    {
        var ifRange = request.Headers.IfRange;
        if (ifRange.Count == 0)
        {
            return true;
        }

        var value = ifRange.ToString().Trim();
        if (value.StartsWith('"'))
        {
            return entry.ETag is { } etag && !etag.StartsWith("W/", StringComparison.Ordinal) && etag == value;
        }

        return entry.LastModified is { } lm && HttpDate.Parse(value) is { } date && lm == date;
    }

    public enum RangeResult
    {
        Ignore,
        Satisfiable,
        Unsatisfiable,
    }

    /// <summary>More ranges than this in one request are answered with the whole object (RFC 9110 §17.15).</summary>
    public const int MaxRanges = 16;

    /// <summary>
    /// RFC 9110 §14.1.2 and §14.2: a set of byte ranges. Unsatisfiable members are left out (all of them: 416);
    /// a malformed member, or more than <see cref="MaxRanges"/>, makes the whole header ignored (a 200 with the
    /// object). Overlapping and adjacent ranges are coalesced (§14.2 allows it; it defeats overlapping-range abuse),
    /// and the result is in ascending order.
    /// </summary>
    public static RangeResult ParseRanges(string header, long length, List<(long Offset, long Count)> ranges)
    {
        ranges.Clear();
        if (!TryRangeSet(header, out var set))
        {
            return RangeResult.Ignore;
        }

        int members = 0;
        foreach (var part in set.Split(','))
        {
            var spec = set[part].Trim();
            if (spec.IsEmpty)
            {
                continue;
            }

            if (++members > MaxRanges)
            {
                ranges.Clear();
                return RangeResult.Ignore;
            }

            switch (ParseSpec(spec, length, out var offset, out var count))
            {
                case RangeResult.Ignore:
                    ranges.Clear();
                    return RangeResult.Ignore;
                case RangeResult.Satisfiable:
                    ranges.Add((offset, count));
                    break;
            }
        }

        if (members == 0)
        {
            return RangeResult.Ignore;
        }

        if (ranges.Count == 0)
        {
            return RangeResult.Unsatisfiable;
        }

        ranges.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        int kept = 0;
        for (int i = 1; i < ranges.Count; i++)
        {
            var (offset, count) = ranges[kept];
            if (ranges[i].Offset <= offset + count)
            {
                ranges[kept] = (offset, Math.Max(offset + count, ranges[i].Offset + ranges[i].Count) - offset);
            }
            else
            {
                ranges[++kept] = ranges[i];
            }
        }

        ranges.RemoveRange(kept + 1, ranges.Count - kept - 1);
        return RangeResult.Satisfiable;
    }

    private static bool TryRangeSet(string header, out ReadOnlySpan<char> set)
    {
        var value = header.AsSpan().Trim();
        if (!value.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            set = default;
            return false;
        }

        set = value[6..].Trim();
        return true;
    }

    private static RangeResult ParseSpec(ReadOnlySpan<char> spec, long length, out long offset, out long count)
    {
        offset = 0;
        count = length;
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return RangeResult.Ignore;
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return RangeResult.Ignore;
            }

            if (suffix == 0 || length == 0)
            {
                return RangeResult.Unsatisfiable;
            }

            count = Math.Min(suffix, length);
            offset = length - count;
            return RangeResult.Satisfiable;
        }

        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return RangeResult.Ignore;
        }

        long end;
        if (last.Length == 0)
        {
            end = length - 1;
        }
        else if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
        {
            return RangeResult.Ignore;
        }

        if (start >= length)
        {
            return RangeResult.Unsatisfiable;
        }

        end = Math.Min(end, length - 1);
        offset = start;
        count = end - start + 1;
        return RangeResult.Satisfiable;
    }
}
