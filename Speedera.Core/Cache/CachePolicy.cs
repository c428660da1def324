namespace Speedera.Core.Cache;

/// <summary>Per-hostname freshness settings: the customer's default TTL and whether origin headers are obeyed.</summary>
public sealed record FreshnessDefaults(TimeSpan DefaultTtl, bool HonorOriginHeaders, TimeSpan HeuristicCap)
{
    public static FreshnessDefaults Rfc { get; } = new(TimeSpan.Zero, true, TimeSpan.FromDays(1));
}

/// <summary>Why a response may or may not be stored (RFC 9111 §3).</summary>
public enum Storability
{
    Storable,
    MethodNotCacheable,
    StatusNotCacheable,
    NoStore,
    Private,
    Authorization,
    NoFreshnessInformation,
    VaryStar,
}

/// <summary>What to do with a stored response for a new request (RFC 9111 §4).</summary>
public enum ServeDecision
{
    /// <summary>Fresh, or stale but acceptable to the client (max-stale): serve without contacting the origin.</summary>
    Fresh,

    /// <summary>Stale within stale-while-revalidate: serve now, revalidate in the background (RFC 5861 §3).</summary>
    StaleWhileRevalidate,

    /// <summary>Must be validated with the origin before use (§4.3).</summary>
    Revalidate,
}

/// <summary>The three clock readings a stored response's age is computed from (RFC 9111 §4.2.3).</summary>
public readonly record struct ResponseTiming(DateTimeOffset RequestTime, DateTimeOffset ResponseTime, DateTimeOffset? Date, TimeSpan? AgeValue);

/// <summary>Pure RFC 9111 rules for a shared cache: storability, freshness lifetime, age and serve decisions.</summary>
public static class CachePolicy
{
    /// <summary>§4.2.2: status codes defined as heuristically cacheable (RFC 9110 §15.1).</summary>
    public static bool IsHeuristicallyCacheable(int status) =>
        status is 200 or 203 or 204 or 206 or 300 or 301 or 308 or 404 or 405 or 410 or 414 or 501;

    /// <summary>Status codes whose caching requirements this cache implements (for must-understand, §5.2.2.3).</summary>
    public static bool IsUnderstood(int status) =>
        IsHeuristicallyCacheable(status) || status is 302 or 303 or 307 or 400 or 403 or 500 or 502 or 503 or 504;

    /// <summary>
    /// §3: whether a shared cache may store a response. <paramref name="hasExplicitExpiration"/> means an Expires field,
    /// max-age or s-maxage is present. 206 and other partial or unknown statuses are not stored by this cache.
    /// </summary>
    public static Storability CanStore(
        string method,
        int status,
        CacheControlDirectives request,
        CacheControlDirectives response,
        bool hasExplicitExpiration,
        bool requestHasAuthorization,
        bool varyStar,
        FreshnessDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(defaults);
        if (!string.Equals(method, "GET", StringComparison.Ordinal) && !string.Equals(method, "HEAD", StringComparison.Ordinal))
        {
            return Storability.MethodNotCacheable;
        }

        // §3: the final status code must be understood; this cache does not store partial content (§3.3 allows combining, not required).
        if (status is < 200 or >= 600 || status == 206 || status == 304)
        {
            return Storability.StatusNotCacheable;
        }

        // §5.2.2.3: with must-understand, store only status codes whose caching rules are understood; then no-store is ignored.
        if (response.MustUnderstand && !IsUnderstood(status))
        {
            return Storability.StatusNotCacheable;
        }

        // §5.2.1.5 and §5.2.2.5.
        if (request.NoStore || (response.NoStore && !response.MustUnderstand))
        {
            return Storability.NoStore;
        }

        // §5.2.2.7: a shared cache must not store a private response.
        if (response.Private)
        {
            return Storability.Private;
        }

        // §3.5: Authorization requires public, s-maxage or must-revalidate on the response.
        if (requestHasAuthorization && !response.Public && response.SharedMaxAge is null && !response.MustRevalidate)
        {
            return Storability.Authorization;
        }

        // §4.1: Vary: * never matches a later request.
        if (varyStar)
        {
            return Storability.VaryStar;
        }

        if (!defaults.HonorOriginHeaders)
        {
            return IsHeuristicallyCacheable(status) || status is 302 or 307 ? Storability.Storable : Storability.StatusNotCacheable;
        }

        // §3: explicit expiration, public, or a heuristically cacheable status.
        if (hasExplicitExpiration || response.Public || IsHeuristicallyCacheable(status))
        {
            return Storability.Storable;
        }

        return Storability.NoFreshnessInformation;
    }

    /// <summary>
    /// §4.2.1: s-maxage, then max-age, then Expires minus Date, then a heuristic (§4.2.2: 10% of the time since
    /// Last-Modified, capped), then the customer's default TTL. An invalid Expires (null here while the field is present) means already expired.
    /// </summary>
    public static TimeSpan FreshnessLifetime(
        int status,
        CacheControlDirectives response,
        bool hasExpiresField,
        DateTimeOffset? expires,
        DateTimeOffset? date,
        DateTimeOffset? lastModified,
        DateTimeOffset responseTime,
        FreshnessDefaults defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        if (!defaults.HonorOriginHeaders)
        {
            return defaults.DefaultTtl;
        }

        if (response.SharedMaxAge is { } sMaxAge)
        {
            return sMaxAge;
        }

        if (response.MaxAge is { } maxAge)
        {
            return maxAge;
        }

        if (hasExpiresField)
        {
            // §5.3: an invalid Expires value represents a time in the past.
            if (expires is not { } exp)
            {
                return TimeSpan.Zero;
            }

            var lifetime = exp - (date ?? responseTime);
            return lifetime > TimeSpan.Zero ? lifetime : TimeSpan.Zero;
        }

        if (!IsHeuristicallyCacheable(status) && !response.Public)
        {
            return TimeSpan.Zero;
        }

        if (lastModified is { } lm)
        {
            var since = (date ?? responseTime) - lm;
            if (since > TimeSpan.Zero)
            {
                var heuristic = TimeSpan.FromTicks(since.Ticks / 10);
                return heuristic < defaults.HeuristicCap ? heuristic : defaults.HeuristicCap;
            }
        }

        return defaults.DefaultTtl;
    }

    /// <summary>§4.2.3: current_age = corrected_initial_age + resident_time.</summary>
    public static TimeSpan CurrentAge(ResponseTiming timing, DateTimeOffset now)
    {
        var apparentAge = timing.Date is { } date ? Max(TimeSpan.Zero, timing.ResponseTime - date) : TimeSpan.Zero;
        var responseDelay = Max(TimeSpan.Zero, timing.ResponseTime - timing.RequestTime);
        var correctedAgeValue = (timing.AgeValue ?? TimeSpan.Zero) + responseDelay;
        var correctedInitialAge = Max(apparentAge, correctedAgeValue);
        var residentTime = Max(TimeSpan.Zero, now - timing.ResponseTime);
        return correctedInitialAge + residentTime;
    }

    /// <summary>
    /// §4.2.4: whether staleness is forbidden by the response: must-revalidate (§5.2.2.2), proxy-revalidate (§5.2.2.8),
    /// s-maxage (§5.2.2.10 carries proxy-revalidate semantics), no-cache (§5.2.2.4).
    /// </summary>
    public static bool StaleForbidden(CacheControlDirectives response) =>
        response.MustRevalidate || response.ProxyRevalidate || response.SharedMaxAge is not null || response.NoCache;

    /// <summary>
    /// §4: chooses between serving, serving stale while revalidating, and revalidating first.
    /// <paramref name="invalidated"/> is set by a soft purge or an unsafe method (§4.4): the response counts as stale.
    /// </summary>
    public static ServeDecision Decide(
        TimeSpan freshnessLifetime,
        TimeSpan currentAge,
        CacheControlDirectives response,
        CacheControlDirectives request,
        bool invalidated)
    {
        // §5.2.2.4 response no-cache and §5.2.1.4 request no-cache: always validate.
        if (response.NoCache || request.NoCache)
        {
            return ServeDecision.Revalidate;
        }

        var remaining = invalidated ? Min(TimeSpan.Zero, freshnessLifetime - currentAge) : freshnessLifetime - currentAge;
        var fresh = !invalidated && remaining > TimeSpan.Zero;

        // §5.2.1.1: the client will not accept a response older than max-age.
        if (request.MaxAge is { } reqMaxAge && currentAge > reqMaxAge)
        {
            return ServeDecision.Revalidate;
        }

        // §5.2.1.3: the response must stay fresh for at least min-fresh.
        if (request.MinFresh is { } minFresh && remaining < minFresh)
        {
            return ServeDecision.Revalidate;
        }

        if (fresh)
        {
            return ServeDecision.Fresh;
        }

        if (StaleForbidden(response))
        {
            return ServeDecision.Revalidate;
        }

        var staleness = -remaining;

        // §5.2.1.2: the client accepts a stale response up to max-stale.
        if (request.MaxStale is { } maxStale && (maxStale == CacheControlDirectives.Unlimited || staleness <= maxStale))
        {
            return ServeDecision.Fresh;
        }

        // RFC 5861 §3.
        if (response.StaleWhileRevalidate is { } swr && staleness <= swr)
        {
            return ServeDecision.StaleWhileRevalidate;
        }

        return ServeDecision.Revalidate;
    }

    /// <summary>RFC 5861 §4: a stale response may be served on an origin error within stale-if-error of the response or the request.</summary>
    public static bool CanServeStaleOnError(
        TimeSpan freshnessLifetime,
        TimeSpan currentAge,
        CacheControlDirectives response,
        CacheControlDirectives request)
    {
        if (StaleForbidden(response))
        {
            return false;
        }

        var staleness = currentAge - freshnessLifetime;
        var window = Max(response.StaleIfError ?? TimeSpan.MinValue, request.StaleIfError ?? TimeSpan.MinValue);
        return window >= TimeSpan.Zero && staleness <= window;
    }

    /// <summary>§4.4: unsafe methods invalidate the target URI when the response is not an error.</summary>
    public static bool InvalidatesOnResponse(string method, int status) =>
        !IsSafeMethod(method) && status is >= 200 and < 400;

    /// <summary>RFC 9110 §9.2.1.</summary>
    public static bool IsSafeMethod(string method) =>
        method is "GET" or "HEAD" or "OPTIONS" or "TRACE";

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
