using Microsoft.Extensions.Primitives;

namespace Speedera.Edge.Cache;

/// <summary>
/// RFC 8586 CDN-Loop: the cache appends its token to every origin request and answers a request that already carries
/// it with 508 Loop Detected (RFC 5842 §7.2) at once, so a hostname whose origin is a Speedera cache (itself or another
/// node) fails fast instead of recursing until the origin timeout.
/// </summary>
internal static class CdnLoop
{
    public const string HeaderName = "CDN-Loop";

    /// <summary>Our cdn-id (RFC 8586 §2): one token for the whole network, as a loop through another node is a loop too.</summary>
    public const string Token = "speedera";

    public const string Body = "Speedera: this request has already passed through the Speedera network (CDN-Loop); the hostname's origin must not be a Speedera cache.\n";

    /// <summary>True when one of the list's members names our cdn-id (parameters after ';' ignored, case-insensitive).</summary>
    public static bool ContainsOurToken(StringValues values)
    {
        foreach (var value in values)
        {
            foreach (var member in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var semicolon = member.IndexOf(';', StringComparison.Ordinal);
                var id = (semicolon < 0 ? member : member[..semicolon]).Trim();
                if (id.Equals(Token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The field value to send upstream: what arrived, then our token (RFC 8586 §2 "append").</summary>
    public static string Append(StringValues incoming) =>
        incoming.Count == 0 ? Token : string.Join(", ", incoming.Where(v => !string.IsNullOrWhiteSpace(v))) + ", " + Token;
}
