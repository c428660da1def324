using System.Collections.Concurrent;
using System.Net;

namespace Speedera.Web.Hosting;

/// <summary>Settings under <c>Speedera:AbuseLimits</c>.</summary>
public sealed class AbuseLimitOptions
{
    public const string Section = "Speedera:AbuseLimits";

    /// <summary>Failed API-key or node-key authentications one client address may make per window.</summary>
    public int FailedAuthenticationsPerWindow { get; set; } = 10;

    /// <summary>The window; an address over the limit gets 429 until its window ends.</summary>
    public TimeSpan FailedAuthenticationWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Addresses tracked at once; past this the oldest windows are dropped first.</summary>
    public int MaxTrackedAddresses { get; set; } = 100_000;
}

/// <summary>
/// Counts failed credential checks (API keys, node keys) per client address in fixed windows, so
/// a client cannot guess keys or load the database with lookups of made-up ones. IPv6 clients are
/// counted per /64, which is what one subscriber usually holds.
/// </summary>
public sealed class AuthenticationFailureLimiter(Microsoft.Extensions.Options.IOptions<AbuseLimitOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Window> windows = new(StringComparer.Ordinal);

    /// <summary>True while <paramref name="address"/> is over the limit; <paramref name="retryAfter"/> is when its window ends.</summary>
    public bool IsLimited(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!windows.TryGetValue(Key(address), out var window))
        {
            return false;
        }

        var now = time.GetUtcNow();
        lock (window)
        {
            if (now >= window.Ends || window.Failures < options.Value.FailedAuthenticationsPerWindow)
            {
                return false;
            }

            retryAfter = window.Ends - now;
            return true;
        }
    }

    public void RecordFailure(IPAddress? address)
    {
        var limits = options.Value;
        if (windows.Count >= limits.MaxTrackedAddresses)
        {
            Prune();
        }

        var now = time.GetUtcNow();
        var window = windows.GetOrAdd(Key(address), _ => new Window { Ends = now + limits.FailedAuthenticationWindow });
        lock (window)
        {
            if (now >= window.Ends)
            {
                window.Ends = now + limits.FailedAuthenticationWindow;
                window.Failures = 0;
            }

            window.Failures++;
        }
    }

    internal static string Key(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear();
            return new IPAddress(bytes) + "/64";
        }

        return address.ToString();
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (key, window) in windows)
        {
            if (window.Ends <= now)
            {
                windows.TryRemove(key, out _);
            }
        }

        // Still full of live windows (a flood from many addresses): drop the ones ending soonest.
        var excess = windows.Count - (options.Value.MaxTrackedAddresses * 3 / 4);
        if (excess > 0)
        {
            foreach (var (key, _) in windows.OrderBy(w => w.Value.Ends).Take(excess).ToList())
            {
                windows.TryRemove(key, out _);
            }
        }
    }

    private sealed class Window
    {
        public DateTimeOffset Ends { get; set; }

        public int Failures { get; set; }
    }
}

/// <summary>Answers 429 to API requests that carry credentials from an address over the failure limit.</summary>
public sealed class AuthenticationFailureLimitMiddleware(RequestDelegate next, AuthenticationFailureLimiter limiter)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.Count == 0 || !limiter.IsLimited(context.Connection.RemoteIpAddress, out var retryAfter))
        {
            return next(context);
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(
            $"Too many failed authentications from this address: try again in {seconds} s.",
            statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context);
    }
}
