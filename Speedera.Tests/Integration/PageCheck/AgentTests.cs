using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.PageCheck;
using Speedera.Core.Security;
using Speedera.Edge.Probe.PageCheck;

namespace Speedera.Tests.Integration.PageCheck;

/// <summary>The page-check agent against a real local site (Kestrel on loopback, port 0).</summary>
public sealed class AgentTests : IAsyncLifetime
{
    private PageTestSite _site = null!;

    public async Task InitializeAsync() => _site = await PageTestSite.StartAsync();

    public async Task DisposeAsync() => await _site.DisposeAsync();

    internal static PageCheckAgent Agent(bool allowLoopback = true, PageCheckLimits? limits = null) => new(
        () => null,
        () => NetworkTargetGuard.Strict,
        new PageCheckAgentOptions
        {
            TestAllowedNetworks = allowLoopback ? [IPNetwork.Parse("127.0.0.0/8")] : [],
            Limits = limits ?? PageCheckLimits.Default,
        },
        TimeProvider.System,
        NullLogger.Instance);

    internal static PageCheckJob Job(Uri url, bool repeat = true, PageCheckLimits? limits = null) =>
        new(Guid.NewGuid(), "sjc", url.AbsoluteUri, repeat, false, false, null, limits ?? PageCheckLimits.Default, DateTimeOffset.UtcNow.AddMinutes(2));

    [Fact]
    public async Task First_view_fetches_the_page_and_every_component_found_in_html_and_css()
    {
        var result = await Agent().RunAsync(Job(_site.Url, repeat: false), "node-1", CancellationToken.None);

        Assert.Null(result.Error);
        var view = Assert.Single(result.Views);
        Assert.Equal(PageCheckRoute.Direct, view.Route);
        Assert.Null(view.Error);
        Assert.Equal(PageTestSite.RequestCount, view.Requests.Count);
        Assert.All(view.Requests, r => Assert.True(r.Status is 200 or 302 && r.Error is null, $"{r.Url}: {r.Status} {r.Error}"));
        Assert.Equal(["document", "font", "iframe", "image", "script", "stylesheet"], view.Requests.Select(r => r.Kind).Distinct().Order());
        Assert.Contains(view.Requests, r => r.Url.EndsWith("/img/redirected.png", StringComparison.Ordinal) && r.Initiator == view.Requests.Single(x => x.Status == 302).Index);
        Assert.Contains(view.Requests, r => r.Url.EndsWith("/frame/b.png", StringComparison.Ordinal));
        Assert.Contains(view.Requests, r => r.Url.EndsWith("/bg/2-1.png", StringComparison.Ordinal));
        Assert.DoesNotContain(view.Requests, r => r.Url.Contains("commented-out", StringComparison.Ordinal) || r.Url.Contains("not-a-component", StringComparison.Ordinal));

        var css = view.Requests.First(r => r.Kind == "stylesheet");
        Assert.True(css.BodyWireBytes < css.BodyDecodedBytes, $"gzip: wire {css.BodyWireBytes}, decoded {css.BodyDecodedBytes}");
        Assert.Equal("MISS from test-site", css.Header("X-Cache"));
        Assert.Equal("127.0.0.1", view.Requests[0].RemoteAddress);
        foreach (var r in view.Requests)
        {
            var t = r.Timings;
            Assert.True(t.Blocked >= 0 && t.Send >= 0 && t.Wait >= 0 && t.Receive >= 0, r.Url);
            Assert.True(r.StartOffsetMs >= 0 && r.EndOffsetMs <= view.Summary.TotalMs + 0.001, r.Url);
        }

        Assert.True(view.Requests[0].Timings.Connect >= 0, "the first request opens a connection");
    }

    [Fact]
    public async Task Connections_per_host_are_at_most_six_and_are_reused()
    {
        var result = await Agent().RunAsync(Job(_site.Url, repeat: false), "node-1", CancellationToken.None);
        var view = result.Views[0];

        var connections = view.Requests.Select(r => r.Connection).Distinct().Count();
        Assert.InRange(connections, 2, 6);
        Assert.InRange(_site.ConnectionsSeen, 2, 6);
        Assert.Equal(connections, view.Requests.Count(r => r.NewConnection));
        Assert.All(view.Requests.Where(r => !r.NewConnection), r => Assert.Equal(-1, r.Timings.Connect));
    }

    [Fact]
    public async Task Repeat_view_serves_fresh_images_from_cache_and_revalidates_the_rest_on_warm_connections()
    {
        var result = await Agent().RunAsync(Job(_site.Url), "node-1", CancellationToken.None);

        Assert.Equal(2, result.Views.Count);
        var repeat = result.Views[1];
        Assert.Equal(PageCheckView.Repeat, repeat.View);
        Assert.All(repeat.Requests.Where(r => r.Url.EndsWith(".png", StringComparison.Ordinal) && !r.Url.Contains("redirect", StringComparison.Ordinal)), r => Assert.True(r.FromCache, r.Url));
        var revalidated = repeat.Requests.Where(r => r.Kind is "stylesheet" or "script" or "document").ToList();
        Assert.Equal(9, revalidated.Count);
        Assert.All(revalidated, r => Assert.True(r.Status == 304 && r.Conditional, $"{r.Url}: {r.Status}"));
        Assert.Contains(_site.Requests, q => q.Path == "/css/1.css" && q.IfNoneMatch is not null);
        Assert.DoesNotContain(repeat.Requests, r => r.NewConnection);

        // Components of a revalidated style sheet are still found (from the cached copy).
        Assert.Contains(repeat.Requests, r => r.Url.EndsWith("/bg/0-2.png", StringComparison.Ordinal));
        Assert.True(repeat.Summary.WireBytes < result.Views[0].Summary.WireBytes / 4);
    }

    [Fact]
    public async Task A_slow_component_shows_its_delay_as_wait_time()
    {
        _site.Delays["/img/7.png"] = TimeSpan.FromMilliseconds(300);
        var result = await Agent().RunAsync(Job(_site.Url, repeat: false), "node-1", CancellationToken.None);
        var slow = result.Views[0].Requests.Single(r => r.Url.EndsWith("/img/7.png", StringComparison.Ordinal));
        var others = result.Views[0].Requests.Where(r => r.Kind == "image" && r != slow).Select(r => r.Timings.Wait).Order().ToList();

        Assert.InRange(slow.Timings.Wait, 295, 600);
        Assert.True(others[others.Count / 2] < 100, $"median wait of the other images {others[others.Count / 2]} ms");
    }

    [Fact]
    public async Task Loopback_is_refused_without_the_test_allow_list_and_nothing_reaches_the_site()
    {
        var result = await Agent(allowLoopback: false).RunAsync(Job(_site.Url, repeat: false), "node-1", CancellationToken.None);

        var document = Assert.Single(Assert.Single(result.Views).Requests);
        Assert.Contains("refused by the target guard", document.Error, StringComparison.Ordinal);
        Assert.Contains("loopback", document.Error, StringComparison.Ordinal);
        Assert.Empty(_site.Requests);
    }

    [Fact]
    public async Task Components_redirects_and_bytes_are_bounded_per_check()
    {
        var limits = PageCheckLimits.Default with { MaxComponents = 10 };
        var result = await Agent(limits: limits).RunAsync(Job(_site.Url, repeat: false), "node-1", CancellationToken.None);
        Assert.Contains("10 components", result.Views[0].Error, StringComparison.Ordinal);
        Assert.InRange(result.Views[0].Requests.Count, 2, 12);

        var small = PageCheckLimits.Default with { MaxTotalBytes = 20_000 };
        var bytes = await Agent().RunAsync(Job(_site.Url, repeat: false, limits: small), "node-1", CancellationToken.None);
        Assert.Contains(bytes.Views[0].Requests, r => r.Error is not null && r.Error.Contains("budget", StringComparison.Ordinal));
        Assert.True(bytes.Views[0].Summary.WireBytes <= 20_000, $"{bytes.Views[0].Summary.WireBytes} bytes");
    }

    [Fact]
    public async Task A_location_that_runs_out_of_time_ends_cleanly_with_what_it_has()
    {
        _site.Delays["/js/2.js"] = TimeSpan.FromSeconds(10);
        var limits = PageCheckLimits.Default with { Timeout = TimeSpan.FromMilliseconds(800) };
        var watch = Stopwatch.StartNew();
        var result = await Agent().RunAsync(Job(_site.Url, limits: limits), "node-1", CancellationToken.None);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Contains("Timed out", result.Error, StringComparison.Ordinal);
        var view = Assert.Single(result.Views);
        Assert.Contains("Timed out", view.Error, StringComparison.Ordinal);
        Assert.Contains(view.Requests, r => r.Url.EndsWith("/js/2.js", StringComparison.Ordinal) && r.Error == "timed out");
        Assert.Contains(view.Requests, r => r.Status == 200);
    }
}
