using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.Probes;
using Microsoft.Extensions.Time.Testing;
using Speedera.Tests.Support;
using Speedera.Web.Data;
using Speedera.Web.Features.Live;
using Speedera.Web.Features.Noc;
using ProbesPage = Speedera.Web.Features.Noc.Probes;

namespace Speedera.Tests.Unit.Web;

public sealed class ProbesLiveTests : ComponentTestContext
{
    private readonly FakeTimeProvider time = new(TestClock.Start);
    private readonly FakeNocQueries noc = new();
    private readonly LiveFeed feed;

    public ProbesLiveTests()
    {
        feed = new LiveFeed(time, NullLogger<LiveFeed>.Instance);
        Services.AddSingleton<TimeProvider>(time);
        Services.AddSingleton<INocQueries>(noc);
        Services.AddSingleton(feed);
        SignIn("noc@example.test", organization: null, Roles.Noc);
    }

    [Fact]
    public void A_probe_result_announced_on_the_feed_redraws_the_row_and_its_age_without_a_reload()
    {
        noc.States = [new ServiceStateRow("srv-1", "www.shop.test", "probe-1", 40, ProbeError.None, time.GetUtcNow().UtcDateTime.AddSeconds(-3))];
        var page = Render<ProbesPage>();
        page.WaitForAssertion(() => Assert.Equal("up", page.Find("[data-testid=service-states] [data-state]").GetAttribute("data-state")));
        Assert.Contains("waiting for reports", page.Find("[data-testid=live-status]").TextContent);
        Assert.Equal(1, feed.SubscriberCount);
        var readsBefore = noc.StateReads;

        time.Advance(TimeSpan.FromSeconds(10));
        noc.States = [new ServiceStateRow("srv-1", "www.shop.test", "probe-1", ServiceMetric.FailedValue, ProbeError.Timeout, time.GetUtcNow().UtcDateTime.AddSeconds(-2))];
        feed.Publish(LiveTopic.ProbeResults, "probe-1");

        page.WaitForAssertion(() =>
        {
            Assert.Equal("down", page.Find("[data-testid=service-states] [data-state]").GetAttribute("data-state"));
            Assert.Contains("last report 0 s ago", page.Find("[data-testid=live-status]").TextContent);
        });
        Assert.Contains("Timeout", page.Find("[data-testid=service-states] tbody").TextContent);
        Assert.Contains("2 s", page.Find("[data-testid=service-states] .figure-age").TextContent);
        Assert.True(noc.StateReads > readsBefore);
    }

    [Fact]
    public async Task Changes_the_page_does_not_show_are_ignored_and_disposing_unsubscribes()
    {
        var page = Render<ProbesPage>();
        page.WaitForAssertion(() => Assert.Equal(1, noc.NodeReads));

        feed.Publish(LiveTopic.Usage, "cache-1");
        Thread.Sleep(200);
        Assert.Equal(1, noc.NodeReads);

        await DisposeComponentsAsync();
        Assert.Equal(0, feed.SubscriberCount);
    }

    private sealed class FakeNocQueries : INocQueries
    {
        public volatile IReadOnlyList<ServiceStateRow> States = [];
        public int StateReads;
        public int NodeReads;

        public Task<PageResult<PopRow>> PopsAsync(PageQuery query, CancellationToken cancellationToken = default) =>
            Task.FromResult(new PageResult<PopRow>([], 0));

        public Task<PageResult<ServiceStateRow>> ServiceStatesAsync(PageQuery query, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref StateReads);
            return Task.FromResult(new PageResult<ServiceStateRow>(States, States.Count));
        }

        public Task<IReadOnlyList<ProbeNodeRow>> ProbeNodesAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref NodeReads);
            return Task.FromResult<IReadOnlyList<ProbeNodeRow>>([new ProbeNodeRow("probe-1", "sjc", null, "ok")]);
        }

        public Task<IReadOnlyList<DecisionRow>> RecentDecisionsAsync(TimeSpan window, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<DecisionRow>>([]);
    }
}
