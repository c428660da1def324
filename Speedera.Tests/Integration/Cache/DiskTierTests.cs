using System.Net;
using Speedera.Tests.Support;

namespace Speedera.Tests.Integration.Cache;

public class DiskTierTests
{
    [Fact]
    public async Task Disk_tier_survives_a_restart_and_detects_a_corrupt_body()
    {
        var dir = Directory.CreateTempSubdirectory("speedera-cache-disk-");
        var origin = await OriginServer.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        try
        {
            origin.MapStatic("/keep.txt", "kept across restarts", ("Cache-Control", "max-age=600"));
            origin.MapStatic("/corrupt.txt", "will be damaged", ("Cache-Control", "max-age=600"));
            await using (var first = await CacheTestHost.StartAsync(o => o.DiskPath = dir.FullName, origin, clock))
            {
                (await first.GetAsync("/keep.txt")).Dispose();
                (await first.GetAsync("/corrupt.txt")).Dispose();
                await first.Cache.FlushAsync();
            }

            var corruptBody = Directory.EnumerateFiles(dir.FullName, "*.body", SearchOption.AllDirectories)
                .Single(f => File.ReadAllText(f) == "will be damaged");
            File.WriteAllText(corruptBody, "will be DAMAGED");

            origin = await OriginServer.StartAsync(origin.Port);
            origin.MapStatic("/keep.txt", "origin copy", ("Cache-Control", "max-age=600"));
            origin.MapStatic("/corrupt.txt", "fresh from origin", ("Cache-Control", "max-age=600"));
            await using var second = await CacheTestHost.StartAsync(o => o.DiskPath = dir.FullName, origin, clock);

            using var kept = await second.GetAsync("/keep.txt");
            using var repaired = await second.GetAsync("/corrupt.txt");

            Assert.Equal("kept across restarts", await kept.Content.ReadAsStringAsync());
            Assert.Equal("Speedera; hit", kept.CacheStatus());
            Assert.Equal(0, origin.Hits("/keep.txt"));
            Assert.Equal(HttpStatusCode.OK, repaired.StatusCode);
            Assert.Equal("fresh from origin", await repaired.Content.ReadAsStringAsync());
            Assert.Equal(1, origin.Hits("/corrupt.txt"));
        }
        finally
        {
            await origin.DisposeAsync();
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Memory_tier_evicts_least_recently_used_objects_over_its_budget()
    {
        await using var t = await CacheTestHost.StartAsync(o =>
        {
            o.MemoryCapacityBytes = 10_000;
            o.MemoryObjectLimitBytes = 4_000;
        });
        for (var i = 0; i < 10; i++)
        {
            t.Origin.MapStatic($"/o{i}", new string((char)('a' + i), 3_000), ("Cache-Control", "max-age=600"));
            (await t.GetAsync($"/o{i}")).Dispose();
        }

        // Eviction runs off the request path: wait for it before asking which objects stayed.
        await Eventually.TrueAsync(() => t.Cache.Store.MemoryBytes <= 10_000, "the memory tier is within its budget");
        using var recent = await t.GetAsync("/o9");
        using var old = await t.GetAsync("/o0");
        Assert.Equal("Speedera; hit", recent.CacheStatus());
        Assert.Equal("Speedera; fwd=miss; stored", old.CacheStatus());
    }
}
