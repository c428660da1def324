using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Speedera.Tests.Support;
using Speedera.Web.Components.Shared;
using Speedera.Web.Data;
using Speedera.Web.Features.Gtm;
using Speedera.Web.Features.Live;

namespace Speedera.Tests.Unit.Web;

public sealed class GtmLiveStateTests : ComponentTestContext
{
    private readonly FakeTimeProvider time = new(TestClock.Start);
    private readonly FakeLiveStates states = new();
    private readonly LiveFeed feed;

    public GtmLiveStateTests()
    {
        feed = new LiveFeed(time, NullLogger<LiveFeed>.Instance);
        Services.AddSingleton<TimeProvider>(time);
        Services.AddSingleton<ILiveStateSource>(states);
        Services.AddSingleton(typeof(ScopedService<>));
        Services.AddSingleton(feed);
    }

    [Fact]
    public void An_address_going_down_is_redrawn_from_the_feed_with_its_age_and_answering_pops()
    {
        var measured = time.GetUtcNow().UtcDateTime.AddSeconds(-4);
        states.Rows = [new AddressLiveState("192.0.2.10", "web 1", false, LiveState.Up, 23, measured, null, ["San Jose", "London"])];
        var component = Render<GtmLiveState>(p => p.Add(c => c.Hostname, new HostnameEntity { Name = "www.shop.test" }));

        component.WaitForAssertion(() => Assert.Equal("up", component.Find("tr[data-address='192.0.2.10']").GetAttribute("data-state")));
        Assert.Contains("23 ms", component.Markup);
        Assert.Contains("4 s ago", component.Find("tr[data-address='192.0.2.10'] .figure-age").TextContent);
        Assert.Equal("San Jose, London", component.Find("[data-testid=answering-pops]").TextContent.Trim());

        time.Advance(TimeSpan.FromSeconds(30));
        states.Rows = [new AddressLiveState("192.0.2.10", "web 1", false, LiveState.Down, null, time.GetUtcNow().UtcDateTime.AddSeconds(-1), "ConnectionRefused", [])];
        feed.Publish(LiveTopic.ProbeResults, "probe-1");

        component.WaitForAssertion(() => Assert.Equal("down", component.Find("tr[data-address='192.0.2.10']").GetAttribute("data-state")));
        Assert.Contains("ConnectionRefused", component.Markup);
        Assert.Contains("1 s ago", component.Find("tr[data-address='192.0.2.10'] .figure-age").TextContent);
        Assert.Contains("last report 0 s ago", component.Find("[data-testid=live-status]").TextContent);
    }

    [Fact]
    public async Task Usage_uploads_do_not_reload_it_and_disposing_unsubscribes()
    {
        var component = Render<GtmLiveState>(p => p.Add(c => c.Hostname, new HostnameEntity { Name = "www.shop.test" }));
        component.WaitForAssertion(() => Assert.Equal(1, states.Reads));
        Assert.Contains("No address is configured yet.", component.Markup);

        feed.Publish(LiveTopic.Usage, "cache-1");
        Thread.Sleep(200);
        Assert.Equal(1, states.Reads);

        await DisposeComponentsAsync();
        Assert.Equal(0, feed.SubscriberCount);
    }

    private sealed class FakeLiveStates : ILiveStateSource
    {
        public volatile IReadOnlyList<AddressLiveState> Rows = [];
        public int Reads;

        public Task<IReadOnlyList<AddressLiveState>> ForHostnameAsync(HostnameEntity hostname, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Reads);
            return Task.FromResult(Rows);
        }
    }
}
