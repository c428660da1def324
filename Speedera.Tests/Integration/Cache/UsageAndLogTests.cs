using System.Text.RegularExpressions;
using Speedera.Tests.Support;

namespace Speedera.Tests.Integration.Cache;

public partial class UsageAndLogTests
{
    [Fact]
    public async Task Every_request_is_counted_into_per_minute_rollups()
    {
        await using var t = await CacheTestHost.StartAsync(clock: TestClock.MidMinute());
        t.Origin.MapStatic("/u", "12345", ("Cache-Control", "max-age=600"));
        (await t.GetAsync("/u")).Dispose();
        (await t.GetAsync("/u")).Dispose();
        (await t.GetAsync("/u")).Dispose();
        (await t.GetAsync("/missing")).Dispose();

        Assert.Empty(t.Cache.Usage.Drain());
        t.Clock.Advance(TimeSpan.FromMinutes(1));
        var rows = t.Cache.Usage.Drain();

        var row = Assert.Single(rows);
        Assert.Equal(TestNetwork.Host, row.Hostname);
        Assert.Equal(4, row.Requests);
        Assert.Equal(3, row.Status2xx);
        Assert.Equal(1, row.Status4xx);
        Assert.Equal(2, row.Hits);
        Assert.Equal(2, row.Misses);
        Assert.Equal(15 + "origin: not found".Length, row.BytesToClients);
        Assert.Equal(5 + "origin: not found".Length, row.BytesFromOrigin);
        Assert.Equal(0, row.Minute.Second);
        Assert.Empty(t.Cache.Usage.Drain());
    }

    [Fact]
    public async Task Access_log_is_written_in_combined_format_and_rotated_by_size()
    {
        var dir = Directory.CreateTempSubdirectory("speedera-cache-log-");
        try
        {
            var path = Path.Combine(dir.FullName, "access.log");
            var t = await CacheTestHost.StartAsync(o =>
            {
                o.AccessLogPath = path;
                o.AccessLogMaxBytes = 1000;
                o.AccessLogMaxFiles = 2;
            });
            t.Origin.MapStatic("/l", "log me", ("Cache-Control", "max-age=600"));
            for (var i = 0; i < 20; i++)
            {
                (await t.GetAsync("/l", configure: m => m.Headers.UserAgent.ParseAdd("test-agent/1.0"))).Dispose();
            }

            await t.DisposeAsync();

            var files = Directory.GetFiles(dir.FullName).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(["access.log", "access.log.1", "access.log.2"], files);
            var line = File.ReadAllLines(path).Last();
            Assert.Matches(CombinedLine(), line);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [GeneratedRegex("""^127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET /l HTTP/1\.1" 200 6 "-" "test-agent/1\.0" "www\.customer\.com" "Speedera; hit"$""")]
    private static partial Regex CombinedLine();
}
