using Microsoft.AspNetCore.Mvc;

namespace Speedera.Web.Components.Theme;

/// <summary>
/// Remembers light or dark in a cookie. A plain form post, so the toggle works the same on interactive
/// pages and on the statically rendered account pages, and the first paint already has the right theme.
/// </summary>
public static class ThemePreferenceEndpoints
{
    public const string Path = "/preferences/theme";

    public static IEndpointRouteBuilder MapThemePreference(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, ([FromForm] string? mode, [FromForm] string? returnUrl, HttpContext http) =>
        {
            http.Response.Cookies.Append(PortalTheme.CookieName, PortalTheme.Normalize(mode), new CookieOptions
            {
                HttpOnly = true,
                IsEssential = true,
                SameSite = SameSiteMode.Lax,
                Secure = http.Request.IsHttps,
                MaxAge = TimeSpan.FromDays(365),
            });
            return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
        }).AllowAnonymous();
        ThemeStylesheet.MapThemeStylesheets(endpoints);
        return endpoints;
    }

    // Only paths on this site: "/x" but not "//host" or "/\host" (open redirects).
    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
