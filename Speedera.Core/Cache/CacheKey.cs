namespace Speedera.Core.Cache;

/// <summary>
/// How a request names its content. Cache keys are (canonical hostname, path-and-query as sent to the origin), so the
/// patent's path form (<c>customer.speedera.net/www.customer.com/images/test.gif</c>) and virtual hosting
/// (<c>Host: www.customer.com</c>, <c>/images/test.gif</c>) share one cached object.
/// </summary>
public static class CacheKey
{
    /// <summary>
    /// Splits a path-form request target <c>/www.customer.com/images/test.gif?x=1</c> into the hostname segment and the
    /// origin path (<c>/images/test.gif?x=1</c>). Returns false when the first segment cannot be a hostname (no dot).
    /// </summary>
    public static bool TryParsePathForm(string target, out ReadOnlySpan<char> hostSegment, out string originPath)
    {
        ArgumentNullException.ThrowIfNull(target);
        hostSegment = default;
        originPath = string.Empty;
        if (target.Length < 2 || target[0] != '/')
        {
            return false;
        }

        var rest = target.AsSpan(1);
        var end = rest.IndexOfAny('/', '?');
        var segment = end < 0 ? rest : rest[..end];
        if (segment.IsEmpty || segment.IndexOf('.') < 0)
        {
            return false;
        }

        hostSegment = segment;
        if (end < 0)
        {
            originPath = "/";
        }
        else if (rest[end] == '?')
        {
            originPath = string.Concat("/", rest[end..]);
        }
        else
        {
            originPath = target.Substring(1 + end);
        }

        return true;
    }

    /// <summary>Strips a port and a trailing dot from a Host header value: <c>Images.Customer.com.:8080</c> becomes <c>Images.Customer.com</c>.</summary>
    public static ReadOnlySpan<char> HostWithoutPort(ReadOnlySpan<char> host)
    {
        if (host.Length > 0 && host[0] == '[')
        {
            var close = host.IndexOf(']');
            return close < 0 ? host : host[..(close + 1)];
        }

        var colon = host.LastIndexOf(':');
        if (colon >= 0)
        {
            host = host[..colon];
        }

        return host.Length > 0 && host[^1] == '.' ? host[..^1] : host;
    }

    /// <summary>
    /// RFC 9111 §4.1: the secondary key of a response is the request's values of the fields named by Vary,
    /// whitespace-normalised. Names are compared case-insensitively.
    /// </summary>
    public static string SecondaryKey(IReadOnlyList<string> varyFieldNames, Func<string, string?> requestField)
    {
        ArgumentNullException.ThrowIfNull(varyFieldNames);
        ArgumentNullException.ThrowIfNull(requestField);
        if (varyFieldNames.Count == 0)
        {
            return string.Empty;
        }

        var sb = new System.Text.StringBuilder();
        foreach (var name in varyFieldNames)
        {
            sb.Append(name.ToLowerInvariant()).Append('=');
            var value = requestField(name);
            if (value is not null)
            {
                AppendNormalised(sb, value);
            }
            else
            {
                sb.Append('\u0000');
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Parses a Vary field value into lower-case field names; returns true in <paramref name="star"/> for <c>*</c>.</summary>
    public static IReadOnlyList<string> ParseVary(IEnumerable<string?> varyValues, out bool star)
    {
        ArgumentNullException.ThrowIfNull(varyValues);
        star = false;
        var names = new List<string>();
        foreach (var value in varyValues)
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == "*")
                {
                    star = true;
                }
                else if (!names.Contains(part, StringComparer.OrdinalIgnoreCase))
                {
                    names.Add(part.ToLowerInvariant());
                }
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static void AppendNormalised(System.Text.StringBuilder sb, string value)
    {
        // Collapse whitespace around commas and runs of spaces so "gzip, br" and "gzip,br" match.
        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(string.Join(' ', parts[i].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }
    }
}
