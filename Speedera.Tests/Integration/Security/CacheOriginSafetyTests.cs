using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Speedera.Tests.Integration.Cache;

namespace Speedera.Tests.Integration.Security;

/// <summary>What the cache tells a client about an origin it could not use, and loops through itself (issue 13, item 2).</summary>
public sealed class CacheOriginSafetyTests
{
    [Fact]
    public async Task Bad_gateway_body_does_not_echo_what_the_upstream_sent()
    {
        // An internal service that speaks something other than HTTP, as the load agent on 9200 does.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            while (true)
            {
                using var peer = await listener.AcceptSocketAsync();
                await peer.SendAsync("LOADP internal-secret-7f3a load=42\r\n\r\n"u8.ToArray(), SocketFlags.None);
                peer.Shutdown(SocketShutdown.Both);
            }
        });

        await using var t = await CacheTestHost.StartAsync();
        t.Config.Update(TestNetwork.Config(port, version: 2));

        using var response = await t.GetAsync("/status");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.DoesNotContain("internal-secret", body, StringComparison.Ordinal);
        Assert.DoesNotContain("LOADP", body, StringComparison.Ordinal);
        listener.Stop();
        _ = serve;
    }

    [Fact]
    public async Task Cache_that_is_its_own_origin_answers_loop_detected_at_once()
    {
        await using var t = await CacheTestHost.StartAsync(o => o.OriginResponseTimeout = TimeSpan.FromSeconds(30));
        var cachePort = t.Client.BaseAddress!.Port;
        t.Config.Update(TestNetwork.Config(cachePort, version: 2));

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var watch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/loop");
        request.Headers.Host = TestNetwork.Host;
        using var response = await t.Client.SendAsync(request, cts.Token);
        watch.Stop();

        Assert.Equal((HttpStatusCode)508, response.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Origin_request_carries_the_cdn_loop_token()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/a", "a", ("Cache-Control", "max-age=60"));

        using var response = await t.GetAsync("/a", configure: r => r.Headers.TryAddWithoutValidation("CDN-Loop", "othercdn; v=1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = Assert.Single(t.Origin.Requests, r => r.Path == "/a");
        var loop = string.Join(", ", sent.Headers["CDN-Loop"].ToArray());
        Assert.StartsWith("othercdn; v=1", loop, StringComparison.Ordinal);
        Assert.EndsWith("speedera", loop, StringComparison.Ordinal);
    }
}
