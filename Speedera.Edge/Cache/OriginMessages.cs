using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>Building requests to origins and reading the caching-relevant parts of their responses.</summary>
internal static class OriginMessages
{
    public static HttpRequestMessage BuildRequest(FetchRequest fetch, HttpMethod method, bool conditionalFromStale)
    {
        var route = fetch.Route;
        var message = new HttpRequestMessage(method, route.OriginKey + fetch.Path)
        {
            Version = System.Net.HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        var connectionTokens = fetch.Headers.Connection;
        foreach (var (name, values) in fetch.Headers)
        {
            if (HttpHeaderRules.IsHopByHop(name) || name.StartsWith(':') ||
                name.Equals("Host", StringComparison.OrdinalIgnoreCase) ||
                IsListedInConnection(connectionTokens, name) ||
                (method == HttpMethod.Get && IsConditionalOrRange(name)))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        message.Headers.Host = route.OriginHostHeader;
        message.Headers.TryAddWithoutValidation("Via", "1.1 speedera");
        message.Headers.Remove(CdnLoop.HeaderName);
        message.Headers.TryAddWithoutValidation(CdnLoop.HeaderName, CdnLoop.Append(fetch.Headers[CdnLoop.HeaderName]));
        if (fetch.RemoteAddress is { } remote)
        {
            var xff = fetch.Headers["X-Forwarded-For"];
            message.Headers.Remove("X-Forwarded-For");
            message.Headers.TryAddWithoutValidation("X-Forwarded-For", xff.Count == 0 ? remote : $"{xff}, {remote}");
        }

        // RFC 9111 §4.3.1: validate with the stored response's validators.
        if (conditionalFromStale && fetch.Stale is { } stale)
        {
            if (stale.ETag is { } etag)
            {
                message.Headers.TryAddWithoutValidation("If-None-Match", etag);
            }

            if (stale.LastModifiedValue is { } lm)
            {
                message.Headers.TryAddWithoutValidation("If-Modified-Since", lm);
            }
        }

        return message;
    }

    private static bool IsConditionalOrRange(string name) =>
        name.StartsWith("If-", StringComparison.OrdinalIgnoreCase) || name.Equals("Range", StringComparison.OrdinalIgnoreCase);

    private static bool IsListedInConnection(StringValues connection, string name)
    {
        if (connection.Count == 0)
        {
            return false;
        }

        foreach (var value in connection)
        {
            foreach (var token in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
            {
                if (token.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// RFC 9111 §5.1: Age is one non-negative integer. A list, several lines, a fraction, a sign or parameters make it
    /// invalid, and such a response is treated as stale (what the cache-tests suite expects) rather than as age zero.
    /// </summary>
    public static TimeSpan? ParseAge(HttpResponseMessage response)
    {
        if (!response.Headers.NonValidated.TryGetValues("Age", out var values))
        {
            return null;
        }

        var invalid = TimeSpan.FromSeconds(2147483648);
        if (values.Count != 1)
        {
            return invalid;
        }

        var seconds = CacheControlDirectives.ParseSeconds(values.First().AsSpan().Trim());
        return seconds ?? invalid;
    }

    /// <summary>Copies an origin response's end-to-end fields (RFC 9110 §7.6.1 drops hop-by-hop ones); adds Date when missing.</summary>
    public static KeyValuePair<string, StringValues>[] CollectHeaders(
        HttpResponseMessage response, DateTimeOffset responseTime, out List<string?> cacheControl, out List<string?> vary, out bool hasExpires)
    {
        var list = new List<KeyValuePair<string, StringValues>>(16);
        cacheControl = [];
        vary = [];
        hasExpires = false;
        var connection = response.Headers.Connection;
        var hasDate = false;
        foreach (var header in response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated))
        {
            var name = header.Key;
            if (HttpHeaderRules.IsNotStored(name) || connection.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var values = new StringValues(header.Value.ToArray());
            if (name.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase))
            {
                cacheControl.AddRange(values);
            }
            else if (name.Equals("Vary", StringComparison.OrdinalIgnoreCase))
            {
                vary.AddRange(values);
            }
            else if (name.Equals("Expires", StringComparison.OrdinalIgnoreCase))
            {
                hasExpires = true;
            }
            else if (name.Equals("Date", StringComparison.OrdinalIgnoreCase))
            {
                hasDate = true;
            }

            list.Add(new(name, values));
        }

        if (!hasDate)
        {
            list.Add(new("Date", HttpDate.Format(responseTime)));
        }

        return list.ToArray();
    }
}
