using Microsoft.AspNetCore.Http;
using Speedera.Core.Cache;

namespace Speedera.Tests.Integration.Cache;

public class PurgeTests
{
    private static PurgeOrder Order(PurgeKind kind, string path, bool soft = false) =>
        new(Guid.NewGuid(), TestNetwork.Host, kind, path, soft, DateTimeOffset.UnixEpoch);

    private static async Task<CacheTestHost> WarmAsync()
    {
        var t = await CacheTestHost.StartAsync();
        foreach (var path in new[] { "/images/picture.jpg", "/images/other.jpg", "/index.html" })
        {
            t.Origin.MapStatic(path, path, ("Cache-Control", "max-age=600"), ("ETag", "\"1\""));
            (await t.GetAsync(path)).Dispose();
        }

        return t;
    }

    private static async Task<string> StatusOf(CacheTestHost t, string path)
    {
        using var r = await t.GetAsync(path);
        return r.CacheStatus();
    }

    [Fact]
    public async Task Purge_by_exact_url_removes_only_that_object()
    {
        await using var t = await WarmAsync();

        var result = t.Cache.ApplyPurge(Order(PurgeKind.Url, "/images/picture.jpg"));

        Assert.Equal(PurgeStatus.Done, result.Status);
        Assert.Equal(1, result.ObjectsAffected);
        Assert.Equal("Speedera; fwd=miss; stored", await StatusOf(t, "/images/picture.jpg"));
        Assert.Equal("Speedera; hit", await StatusOf(t, "/images/other.jpg"));
    }

    [Fact]
    public async Task Purge_by_directory_removes_everything_under_it()
    {
        await using var t = await WarmAsync();

        var result = t.Cache.ApplyPurge(PurgeOrder.FromUrl(Guid.NewGuid(), new Uri("http://www.customer.com/images/"), false, DateTimeOffset.UnixEpoch));

        Assert.Equal(2, result.ObjectsAffected);
        Assert.Equal("Speedera; fwd=miss; stored", await StatusOf(t, "/images/other.jpg"));
        Assert.Equal("Speedera; hit", await StatusOf(t, "/index.html"));
    }

    [Fact]
    public async Task Purge_of_a_whole_host_removes_all_its_objects_and_is_idempotent()
    {
        await using var t = await WarmAsync();
        var order = PurgeOrder.FromUrl(Guid.NewGuid(), new Uri("http://www.customer.com/"), false, DateTimeOffset.UnixEpoch);

        var first = t.Cache.ApplyPurge(order);
        var again = t.Cache.ApplyPurge(order);

        Assert.Equal(PurgeKind.Host, order.Kind);
        Assert.Equal(3, first.ObjectsAffected);
        Assert.Same(first, again);
        Assert.Equal("Speedera; fwd=miss; stored", await StatusOf(t, "/index.html"));
        Assert.Contains(t.Cache.PurgeResults(), r => r.OrderId == order.Id);
    }

    [Fact]
    public async Task Purge_naming_an_alias_applies_to_the_canonical_hostname()
    {
        await using var t = await WarmAsync();

        var result = t.Cache.ApplyPurge(Order(PurgeKind.Url, "/index.html") with { Hostname = TestNetwork.Alias });

        Assert.Equal(1, result.ObjectsAffected);
        Assert.Equal("Speedera; fwd=miss; stored", await StatusOf(t, "/index.html"));
    }

    [Fact]
    public async Task Soft_purge_marks_stale_so_the_next_request_revalidates()
    {
        await using var t = await WarmAsync();
        t.Origin.Map("/index.html", async context =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.Headers.ETag = "\"1\"";
            if (context.Request.Headers.IfNoneMatch == "\"1\"")
            {
                context.Response.StatusCode = 304;
                return;
            }

            await context.Response.WriteAsync("/index.html");
        });

        var result = t.Cache.ApplyPurge(Order(PurgeKind.Url, "/index.html", soft: true));

        Assert.Equal(1, result.ObjectsAffected);
        Assert.Equal("Speedera; fwd=stale; fwd-status=304", await StatusOf(t, "/index.html"));
        Assert.Equal("Speedera; hit", await StatusOf(t, "/index.html"));
    }
}
