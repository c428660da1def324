using Microsoft.AspNetCore.Antiforgery;

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
        endpoints.MapPost(Path, async (HttpContext http, IAntiforgery antiforgery) =>
        {
            // Checked here rather than by form binding, so a forged post is a plain 400 in every environment.
            if (!http.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(http))
            {
                return Results.BadRequest();
            }

            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            http.Response.Cookies.Append(PortalTheme.CookieName, PortalTheme.Normalize(form["mode"]), new CookieOptions
            {
                HttpOnly = true,
                IsEssential = true,
                SameSite = SameSiteMode.Lax,
                Secure = http.Request.IsHttps,
                MaxAge = TimeSpan.FromDays(365),
            });
            string? returnUrl = form["returnUrl"];
            return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/");
        }).AllowAnonymous().DisableAntiforgery();
        ThemeStylesheet.MapThemeStylesheets(endpoints);
        return endpoints;
    }

    // Only paths on this site: "/x" but not "//host" or "/\host" (open redirects).
    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
