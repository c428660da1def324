using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Speedera.Tests.Support;

namespace Speedera.Tests.Integration.Cache;

public class OriginTests
{
    [Fact]
    public async Task Concurrent_misses_on_one_key_are_collapsed_into_one_origin_fetch()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.Map("/slow", async context =>
        {
            await Task.Delay(300);
            context.Response.Headers.CacheControl = "max-age=60";
            await context.Response.WriteAsync("slow body");
        });

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => t.GetAsync("/slow")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync())), b => Assert.Equal("slow body", b));
        Assert.Equal(1, t.Origin.Hits("/slow"));
        Assert.Contains(responses, r => r.CacheStatus() == "Speedera; hit; collapsed");
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task Hanging_origin_gets_504_within_the_response_timeout()
    {
        await using var t = await CacheTestHost.StartAsync(o => o.OriginResponseTimeout = TimeSpan.FromSeconds(1));
        t.Origin.Map("/hang", async context => await Task.Delay(Timeout.Infinite, context.RequestAborted));

        var watch = Stopwatch.StartNew();
        using var response = await t.GetAsync("/hang");
        watch.Stop();

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("did not answer within 1 s", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task Hanging_origin_cannot_take_more_than_its_concurrency_bound()
    {
        await using var t = await CacheTestHost.StartAsync(o =>
        {
            o.MaxConcurrentRequestsPerOrigin = 2;
            o.OriginQueueTimeout = TimeSpan.FromMilliseconds(200);
            o.OriginResponseTimeout = TimeSpan.FromSeconds(3);
        });
        t.Origin.Map("/hang", async context => await Task.Delay(Timeout.Infinite, context.RequestAborted));

        // Different query strings so collapsing does not merge them.
        var hanging = Enumerable.Range(0, 2).Select(i => t.GetAsync($"/hang?i={i}")).ToList();
        await Eventually.TrueAsync(() => t.Origin.Hits("/hang") == 2, "both hanging requests hold an origin slot");
        var watch = Stopwatch.StartNew();
        using var rejected = await t.GetAsync("/hang?i=9");
        watch.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        foreach (var r in await Task.WhenAll(hanging))
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, r.StatusCode);
            r.Dispose();
        }
    }

    [Fact]
    public async Task Unreachable_origin_gets_502_with_a_clear_body()
    {
        var origin = await OriginServer.StartAsync();
        await using var t = await CacheTestHost.StartAsync(origin: origin);
        await origin.StopAsync();

        using var response = await t.GetAsync("/x");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("could not reach origin wwx.customer.com for www.customer.com", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("origin-unreachable", response.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_to_the_origin_are_reused()
    {
        await using var t = await CacheTestHost.StartAsync();
        var connections = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        t.Origin.Map("/conn", async context =>
        {
            connections[context.Connection.Id] = true;
            await context.Response.WriteAsync("c");
        });

        for (var i = 0; i < 10; i++)
        {
            (await t.GetAsync($"/conn?i={i}")).Dispose();
        }

        Assert.Single(connections);
    }

    [Fact]
    public async Task Large_object_is_streamed_to_disk_and_served_as_a_hit_afterwards()
    {
        var dir = Directory.CreateTempSubdirectory("speedera-cache-test-");
        try
        {
            await using var t = await CacheTestHost.StartAsync(o =>
            {
                o.DiskPath = dir.FullName;
                o.MemoryObjectLimitBytes = 64 * 1024;
            });
            var payload = new byte[3 * 1024 * 1024];
            new Random(42).NextBytes(payload);
            t.Origin.Map("/big.bin", async context =>
            {
                context.Response.Headers.CacheControl = "max-age=600";
                // No Content-Length: chunked, length unknown until the end.
                for (var i = 0; i < payload.Length; i += 100_000)
                {
                    await context.Response.Body.WriteAsync(payload.AsMemory(i, Math.Min(100_000, payload.Length - i)));
                }
            });

            using var first = await t.GetAsync("/big.bin");
            var firstBody = await first.Content.ReadAsByteArrayAsync();
            using var second = await t.GetAsync("/big.bin");
            var secondBody = await second.Content.ReadAsByteArrayAsync();
            using var range = await t.GetAsync("/big.bin", configure: m => m.Headers.TryAddWithoutValidation("Range", "bytes=1000000-1000009"));

            Assert.Equal(payload, firstBody);
            Assert.Equal(payload, secondBody);
            Assert.Equal("Speedera; hit", second.CacheStatus());
            Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
            Assert.Equal(payload.AsSpan(1_000_000, 10).ToArray(), await range.Content.ReadAsByteArrayAsync());
            Assert.Equal(1, t.Origin.Hits("/big.bin"));
            Assert.True(t.Cache.Store.MemoryBytes < payload.Length);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Object_over_the_maximum_size_is_passed_through_not_stored()
    {
        await using var t = await CacheTestHost.StartAsync(o => o.MaxObjectSizeBytes = 1000);
        t.Origin.MapStatic("/huge", new string('x', 5000), ("Cache-Control", "max-age=600"), ("Content-Length", "5000"));
        t.Origin.MapStatic("/huge-chunked", new string('x', 5000), ("Cache-Control", "max-age=600"));

        using var first = await t.GetAsync("/huge");
        using var second = await t.GetAsync("/huge");
        (await t.GetAsync("/huge-chunked")).Dispose();
        using var chunked = await t.GetAsync("/huge-chunked");
        using var head = await t.SendAsync(HttpMethod.Head, "/huge-chunked");

        Assert.Equal(5000, (await second.Content.ReadAsStringAsync()).Length);
        Assert.Contains("too-large", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, t.Origin.Hits("/huge"));
        Assert.Equal(5000, (await chunked.Content.ReadAsStringAsync()).Length);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(4, t.Origin.Hits("/huge-chunked"));
    }
}
