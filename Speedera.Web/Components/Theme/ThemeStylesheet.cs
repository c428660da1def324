using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Speedera.Web.Components.Theme;

/// <summary>
/// MudThemeProvider writes the theme's CSS variables into inline &lt;style&gt; elements, which our CSP
/// (style-src 'self') refuses. MudThemeProvider is rendered once per mode on the server instead and its
/// CSS served as a same-origin stylesheet.
/// </summary>
public sealed partial class ThemeStylesheet
{
    private readonly ConcurrentDictionary<string, Task<string>> _css = new(StringComparer.Ordinal);

    public static string PathFor(string? mode) => $"theme/{PortalTheme.Normalize(mode)}.css";

    public Task<string> CssForAsync(string mode, IServiceProvider services) =>
        _css.GetOrAdd(PortalTheme.Normalize(mode), m => RenderAsync(PortalTheme.IsDark(m), services));

    public static IEndpointRouteBuilder MapThemeStylesheets(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/theme/{mode}.css", async (string mode, ThemeStylesheet sheets, HttpContext http) =>
        {
            if (mode is not (PortalTheme.Light or PortalTheme.Dark))
            {
                return Results.NotFound();
            }

            http.Response.Headers.CacheControl = "no-cache";
            return Results.Text(await sheets.CssForAsync(mode, http.RequestServices), "text/css; charset=utf-8");
        }).AllowAnonymous();
        return endpoints;
    }

    private static async Task<string> RenderAsync(bool dark, IServiceProvider services)
    {
        await using var renderer = new HtmlRenderer(services, services.GetRequiredService<ILoggerFactory>());
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await renderer.RenderComponentAsync<MudThemeProvider>(ParameterView.FromDictionary(new Dictionary<string, object?>
            {
                [nameof(MudThemeProvider.Theme)] = PortalTheme.Theme,
                [nameof(MudThemeProvider.IsDarkMode)] = dark,
            }));
            return output.ToHtmlString();
        });
        return string.Join('\n', StyleElement().Matches(html).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value)));
    }

    [GeneratedRegex("<style[^>]*>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();
}
