using Speedera.Edge.Probe.PageCheck;

namespace Speedera.Tests.Unit.PageCheck;

public class ComponentFinderTests
{
    [Fact]
    public void Html_components_are_found_with_their_kinds_and_resolved_against_base()
    {
        const string html = """
            <html><head><base href="http://cdn.example.com/assets/">
            <link rel="stylesheet" href="site.css"><link rel="icon" href="/favicon.ico">
            <link rel="preload" as="font" href="f.woff2"><script src="app.js"></script>
            <style>.x { background: url(bg.png) } /* url(not-this.png) */</style></head>
            <body><img srcset="small.jpg 1x, big.jpg 2x"><img src="data:image/png;base64,AAAA">
            <picture><source srcset="p.webp"></picture><iframe src="https://other.example.net/frame"></iframe>
            <div style="background-image: url('inline.png')"></div><a href="page2.html">no</a></body></html>
            """;
        var found = ComponentFinder.FromHtml(html, new Uri("http://shop.example.com/index.html"));
        var byUrl = found.ToDictionary(c => c.Url.AbsoluteUri, c => c.Kind);

        Assert.Equal("stylesheet", byUrl["http://cdn.example.com/assets/site.css"]);
        Assert.Equal("image", byUrl["http://cdn.example.com/favicon.ico"]);
        Assert.Equal("font", byUrl["http://cdn.example.com/assets/f.woff2"]);
        Assert.Equal("script", byUrl["http://cdn.example.com/assets/app.js"]);
        Assert.Equal("image", byUrl["http://cdn.example.com/assets/bg.png"]);
        Assert.Equal("image", byUrl["http://cdn.example.com/assets/small.jpg"]);
        Assert.Equal("image", byUrl["http://cdn.example.com/assets/p.webp"]);
        Assert.Equal("iframe", byUrl["https://other.example.net/frame"]);
        Assert.Equal("image", byUrl["http://cdn.example.com/assets/inline.png"]);
        Assert.DoesNotContain(found, c => c.Url.AbsoluteUri.Contains("not-this", StringComparison.Ordinal) || c.Url.AbsoluteUri.Contains("page2", StringComparison.Ordinal) || c.Url.AbsoluteUri.Contains("big.jpg", StringComparison.Ordinal));
        Assert.Equal(9, found.Count);
    }

    [Fact]
    public void Css_urls_imports_and_font_faces_are_found_inside_media_rules_but_not_in_comments()
    {
        const string css = """
            @import url("base.css");
            @font-face { font-family: X; src: url(/fonts/x.woff2) format("woff2"), url(/fonts/x.woff) format("woff"); }
            /* .gone { background: url(gone.png) } */
            @media (min-width: 600px) { .hero { background-image: url('../img/hero.jpg'); } }
            .list { list-style-image: url("dot.svg"); }
            """;
        var found = ComponentFinder.FromCss(css, new Uri("http://shop.example.com/css/site.css"));
        var urls = found.Select(c => c.Url.AbsoluteUri).ToList();

        Assert.Contains("http://shop.example.com/css/base.css", urls);
        Assert.Contains("http://shop.example.com/fonts/x.woff2", urls);
        Assert.Contains("http://shop.example.com/fonts/x.woff", urls);
        Assert.Contains("http://shop.example.com/img/hero.jpg", urls);
        Assert.Contains("http://shop.example.com/css/dot.svg", urls);
        Assert.DoesNotContain(urls, u => u.Contains("gone", StringComparison.Ordinal));
        Assert.Equal("font", found.Single(c => c.Url.AbsolutePath == "/fonts/x.woff2").Kind);
    }
}
