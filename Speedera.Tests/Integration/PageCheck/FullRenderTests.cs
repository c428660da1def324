using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.PageCheck;
using Speedera.Core.Security;
using Speedera.Edge.Probe.PageCheck;

namespace Speedera.Tests.Integration.PageCheck;

/// <summary>Skips, saying why, when Debian's Chromium is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!File.Exists("/usr/bin/chromium"))
        {
            Skip = "/usr/bin/chromium is not installed (Debian package chromium): full render needs it";
        }
    }
}

/// <summary>
/// Full-render mode: headless Chromium loads the local test site; its network timings come back in the agent's model
/// with paint and load figures. The page also asks for components on a private and a link-local address: the request
/// interception refuses them before Chromium opens a connection, and the result reports them.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class FullRenderTests
{
    [ChromiumFact]
    public async Task Full_render_loads_the_page_in_chromium_with_paint_figures_and_blocks_forbidden_components()
    {
        await using var site = await PageTestSite.StartAsync();
        site.ExtraHtml = "<img src=\"http://10.0.0.5/private.png\" alt=\"\"><img src=\"http://169.254.169.254/latest/meta-data.png\" alt=\"\">";
        var agent = new PageCheckAgent(
            () => null,
            () => NetworkTargetGuard.Strict,
            new PageCheckAgentOptions { TestAllowedNetworks = [System.Net.IPNetwork.Parse("127.0.0.0/8")] },
            TimeProvider.System,
            NullLogger.Instance);
        var job = AgentTests.Job(site.Url) with { FullRender = true };

        var result = await agent.RunAsync(job, "node-1", CancellationToken.None);

        Assert.Null(result.Error);
        Assert.Equal(["First", "Repeat"], result.Views.Select(v => v.View.ToString()));
        var first = result.Views[0];
        Assert.Null(first.Error);
        Assert.NotNull(first.Render);
        Assert.True(first.Render!.OnLoadMs > 0, $"onload {first.Render.OnLoadMs}");
        Assert.True(first.Render.FirstContentfulPaintMs > 0, $"FCP {first.Render.FirstContentfulPaintMs}");
        Assert.True(first.Render.DomContentLoadedMs <= first.Render.OnLoadMs, "DOMContentLoaded before onload");

        var document = first.Requests[0];
        Assert.Equal(site.Url.AbsoluteUri, document.Url);
        Assert.Equal(200, document.Status);
        Assert.Equal("document", document.Kind);
        Assert.Equal("127.0.0.1", document.RemoteAddress);
        Assert.True(document.Timings.Wait >= 0 && document.Timings.Total >= document.Timings.Wait, $"wait {document.Timings.Wait}, total {document.Timings.Total}");
        var list = string.Join("\n", first.Requests.Select(r => $"{r.Url} {r.Kind} {r.Status} {r.Error}"));
        Assert.True(first.Requests.Any(r => r.Url.EndsWith("/img/7.png", StringComparison.Ordinal) && r.Status == 200 && r.Kind == "image"), list);
        Assert.True(first.Requests.Any(r => r.Url.EndsWith("/frame/a.png", StringComparison.Ordinal) && r.Status == 200), list);

        // A browser loads a style sheet's background images and fonts only for elements that use them (none here).
        Assert.DoesNotContain(first.Requests, r => r.Url.EndsWith("/bg/1-0.png", StringComparison.Ordinal));
        Assert.Contains(site.Requests, q => q.Path == "/js/4.js");

        foreach (var forbidden in new[] { "http://10.0.0.5/private.png", "http://169.254.169.254/latest/meta-data.png" })
        {
            var blocked = Assert.Single(first.Requests, r => r.Url == forbidden);
            Assert.Contains("refused by the target guard", blocked.Error, StringComparison.Ordinal);
        }

        Assert.All(first.Requests.Where(r => r.Error is null), r => Assert.True(r.Timings.Total >= 0 && r.StartOffsetMs >= 0, r.Url));

        // The repeat view: the browser's cache answers the images it may keep.
        var repeat = result.Views[1];
        Assert.Contains(repeat.Requests, r => r.Url.EndsWith("/img/3.png", StringComparison.Ordinal) && r.FromCache);
        Assert.True(repeat.Render?.OnLoadMs > 0);
    }
}
