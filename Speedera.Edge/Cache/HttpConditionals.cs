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

    /// <summary>RFC 9110 §14.1.2: one byte range (first-last, first-, -suffix); several ranges are answered whole.</summary>
    public static RangeResult ParseSingleRange(string header, long length, out long offset, out long count)
    {
        offset = 0;
        count = length;
        var value = header.Trim();
        if (!value.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return RangeResult.Ignore;
        }

        var spec = value[6..].Trim();
        if (spec.Contains(',', StringComparison.Ordinal))
        {
            return RangeResult.Ignore;
        }

        var dash = spec.IndexOf('-', StringComparison.Ordinal);
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
