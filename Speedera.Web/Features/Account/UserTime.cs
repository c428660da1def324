using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using NodaTime;
using NodaTime.TimeZones;

namespace Speedera.Web.Features.Account;

/// <summary>The IANA time zones (tzdb) the portal offers, and formatting of UTC instants in one of them.</summary>
public static class UserTimeZones
{
    public const string Utc = "UTC";

    /// <summary>Set by <c>wwwroot/timezone.js</c> from the browser's <c>Intl</c> zone; used until the user saves one.</summary>
    public const string BrowserCookie = "speedera.tz";

    public const string DefaultPattern = "yyyy-MM-dd HH:mm";

    /// <summary>Canonical zones with a location (Europe/Berlin, America/New_York, ...) plus UTC, sorted.</summary>
    public static IReadOnlyList<string> Ids { get; } =
        TzdbDateTimeZoneSource.Default.ZoneLocations!.Select(l => l.ZoneId).Append(Utc).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    public static bool IsValid(string? id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= 64 && DateTimeZoneProviders.Tzdb.GetZoneOrNull(id) is not null;

    public static DateTimeZone Resolve(string? id) =>
        (IsValid(id) ? DateTimeZoneProviders.Tzdb.GetZoneOrNull(id!) : null) ?? DateTimeZone.Utc;

    /// <summary>
    /// <paramref name="utc"/> as wall-clock time in <paramref name="zone"/> followed by the zone's abbreviation at that
    /// instant (CET/CEST, EST/EDT; tzdb writes "+03" where a zone has none), e.g. <c>2026-07-01 14:00 CEST</c>.
    /// </summary>
    public static string Format(DateTime utc, DateTimeZone zone, string? pattern = null)
    {
        var instant = Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc.Kind == DateTimeKind.Local ? utc.ToUniversalTime() : utc, DateTimeKind.Utc));
        var local = instant.InZone(zone);
        return local.ToDateTimeUnspecified().ToString(pattern ?? DefaultPattern, CultureInfo.InvariantCulture) + " " + Abbreviation(zone, instant);
    }

    public static string Abbreviation(DateTimeZone zone, Instant instant) =>
        zone.Id == Utc ? Utc : zone.GetZoneInterval(instant).Name;
}

/// <summary>
/// The signed-in user's time zone, for one request or circuit: their saved zone (a claim in the auth cookie),
/// else the browser's zone cookie while a request is at hand, else UTC.
/// </summary>
public sealed class UserTime(AuthenticationStateProvider authentication, IHttpContextAccessor? httpContext = null)
{
    private DateTimeZone? zone;

    public async ValueTask<DateTimeZone> ZoneAsync()
    {
        if (zone is null)
        {
            var state = await authentication.GetAuthenticationStateAsync();
            zone = ZoneOf(state.User, httpContext?.HttpContext);
        }

        return zone;
    }

    public async ValueTask<string> FormatAsync(DateTime utc, string? pattern = null) =>
        UserTimeZones.Format(utc, await ZoneAsync(), pattern);

    public static DateTimeZone ZoneOf(ClaimsPrincipal user, HttpContext? request)
    {
        var saved = user.FindFirstValue(SpeederaClaimsPrincipalFactory.TimeZoneClaim);
        if (UserTimeZones.IsValid(saved))
        {
            return UserTimeZones.Resolve(saved);
        }

        return UserTimeZones.Resolve(BrowserZone(request));
    }

    public static string? BrowserZone(HttpContext? request)
    {
        var cookie = request?.Request.Cookies[UserTimeZones.BrowserCookie];
        return UserTimeZones.IsValid(cookie) ? cookie : null;
    }
}
