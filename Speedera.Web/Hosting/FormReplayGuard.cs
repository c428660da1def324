using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Speedera.Web.Hosting;

/// <summary>
/// One-time tokens for forms whose post must take effect once (a purge, a new API key): each
/// rendering of the form carries a fresh token, and a post whose token was already used (the browser
/// resending it after back or reload, a double click) is recognised and does nothing. In memory, per
/// portal process; the pages also redirect after a post, so an ordinary reload never posts again.
/// </summary>
public sealed class FormReplayGuard(TimeProvider time)
{
    private static readonly TimeSpan Remember = TimeSpan.FromHours(12);
    private const int MaxRemembered = 200_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> used = new(StringComparer.Ordinal);

    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>True the first time <paramref name="token"/> is used in <paramref name="scope"/>; false for a replay or no token.</summary>
    public bool TryUse(string scope, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 64)
        {
            return false;
        }

        var now = time.GetUtcNow();
        if (used.Count >= MaxRemembered)
        {
            foreach (var (key, at) in used)
            {
                if (now - at > Remember)
                {
                    used.TryRemove(key, out _);
                }
            }
        }

        return used.TryAdd($"{scope}|{token}", now);
    }
}
