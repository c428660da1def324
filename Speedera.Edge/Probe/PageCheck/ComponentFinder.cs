using AngleSharp.Css.Dom;
using AngleSharp.Css.Parser;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>A component a page or style sheet refers to, in document order.</summary>
internal sealed record Component(Uri Url, string Kind);

/// <summary>
/// Finds a page's components the way a browser's preload scanner and CSS engine would: images (src, srcset's first
/// candidate, picture sources), scripts, style sheets, icons and preloads, iframes, inline and attribute styles; in CSS,
/// url() values of every declaration, @import and @font-face sources. HTML and CSS go through AngleSharp's parsers.
/// </summary>
internal static class ComponentFinder
{
    private static readonly HtmlParser Html = new();
    private static readonly CssParser Css = new();

    /// <summary>Runs both parsers once, so the first check on a node does not show their start-up cost as a gap in its waterfall.</summary>
    public static void Warm() => FromHtml("<html><head><link rel=stylesheet href=a.css><style>.a{background:url(b.png)}</style></head><body><img src=c.png></body></html>", new Uri("http://warm.invalid/"));

    public static IReadOnlyList<Component> FromHtml(string html, Uri pageUrl)
    {
        using var document = Html.ParseDocument(html);
        var baseUrl = pageUrl;
        if (document.QuerySelector("base[href]")?.GetAttribute("href") is { } baseHref && Uri.TryCreate(pageUrl, baseHref, out var b))
        {
            baseUrl = b;
        }

        var found = new List<Component>();
        void Add(string? reference, string kind, Uri? relativeTo = null)
        {
            if (string.IsNullOrWhiteSpace(reference) || reference.StartsWith("data:", StringComparison.OrdinalIgnoreCase) || reference.StartsWith('#'))
            {
                return;
            }

            if (Uri.TryCreate(relativeTo ?? baseUrl, reference.Trim(), out var url) && url.Scheme is "http" or "https")
            {
                found.Add(new Component(new UriBuilder(url) { Fragment = "" }.Uri, kind));
            }
        }

        foreach (var element in document.All)
        {
            switch (element.LocalName)
            {
                case "img":
                    Add(element.GetAttribute("src") ?? FirstSrcset(element.GetAttribute("srcset")), "image");
                    break;
                case "source" when element.ParentElement?.LocalName == "picture":
                    Add(FirstSrcset(element.GetAttribute("srcset")), "image");
                    break;
                case "script":
                    Add(element.GetAttribute("src"), "script");
                    break;
                case "iframe":
                    Add(element.GetAttribute("src"), "iframe");
                    break;
                case "link":
                    var rel = (element.GetAttribute("rel") ?? "").ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (rel.Contains("stylesheet"))
                    {
                        Add(element.GetAttribute("href"), "stylesheet");
                    }
                    else if (rel.Contains("icon"))
                    {
                        Add(element.GetAttribute("href"), "image");
                    }
                    else if (rel.Contains("preload"))
                    {
                        Add(element.GetAttribute("href"), element.GetAttribute("as") switch { "font" => "font", "script" => "script", "style" => "stylesheet", "image" => "image", _ => "other" });
                    }

                    break;
                case "style":
                    found.AddRange(FromCss(element.TextContent, baseUrl));
                    break;
                case "video":
                    Add(element.GetAttribute("poster"), "image");
                    break;
            }

            if (element.GetAttribute("style") is { Length: > 0 } inline)
            {
                found.AddRange(FromInlineStyle(inline, baseUrl));
            }
        }

        return Distinct(found);
    }

    public static IReadOnlyList<Component> FromCss(string css, Uri sheetUrl)
    {
        var sheet = Css.ParseStyleSheet(css);
        var found = new List<Component>();
        Walk(sheet.Rules, sheetUrl, found);
        return Distinct(found);
    }

    private static List<Component> FromInlineStyle(string style, Uri baseUrl)
    {
        var found = new List<Component>();
        if (Css.ParseDeclaration(style) is { } declaration)
        {
            AddUrls(declaration, baseUrl, found);
        }

        return found;
    }

    private static void Walk(ICssRuleList rules, Uri sheetUrl, List<Component> found)
    {
        foreach (var rule in rules)
        {
            switch (rule)
            {
                case ICssImportRule import when !string.IsNullOrEmpty(import.Href):
                    if (Uri.TryCreate(sheetUrl, import.Href, out var imported))
                    {
                        found.Add(new Component(imported, "stylesheet"));
                    }

                    break;
                case ICssFontFaceRule fontFace:
                    foreach (var url in Urls(fontFace.Source))
                    {
                        if (Uri.TryCreate(sheetUrl, url, out var font) && font.Scheme is "http" or "https")
                        {
                            found.Add(new Component(font, "font"));
                        }
                    }

                    break;
                case ICssStyleRule style:
                    AddUrls(style.Style, sheetUrl, found);
                    break;
                case ICssGroupingRule group:
                    Walk(group.Rules, sheetUrl, found);
                    break;
            }
        }
    }

    private static void AddUrls(ICssStyleDeclaration declaration, Uri baseUrl, List<Component> found)
    {
        foreach (var property in declaration)
        {
            foreach (var url in Urls(property.Value))
            {
                if (Uri.TryCreate(baseUrl, url, out var resolved) && resolved.Scheme is "http" or "https")
                {
                    found.Add(new Component(resolved, "image"));
                }
            }
        }
    }

    /// <summary>The url(...) references in a declaration value the CSS parser has already normalised.</summary>
    internal static IEnumerable<string> Urls(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            yield break;
        }

        var at = 0;
        while ((at = value.IndexOf("url(", at, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var close = value.IndexOf(')', at + 4);
            if (close < 0)
            {
                yield break;
            }

            var inner = value[(at + 4)..close].Trim().Trim('"', '\'');
            at = close + 1;
            if (inner.Length > 0 && !inner.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            {
                yield return inner;
            }
        }
    }

    private static string? FirstSrcset(string? srcset) =>
        srcset?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()?.Split(' ')[0];

    private static List<Component> Distinct(List<Component> found)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return [.. found.Where(c => seen.Add(c.Url.AbsoluteUri))];
    }
}
