using Speedera.Edge.Cache;
using Speedera.Tests.Integration.Cache;
using Speedera.Tests.Support;

namespace Speedera.Tests.Unit.Cache;

public class UsageAggregatorTests
{
    [Fact]
    public void Rows_are_per_minute_and_hostname_and_drained_once_the_minute_is_over()
    {
        var clock = TestClock.MidMinute();
        var usage = new UsageAggregator("pop-sjc", "node-1", clock);
        usage.Record("a.example", 200, 100, 100, hit: false);
        usage.Record("a.example", 200, 100, 0, hit: true);
        usage.Record("b.example", 503, 10, 0, hit: false);

        Assert.Empty(usage.Drain());
        clock.Advance(TimeSpan.FromMinutes(1));
        usage.Record("a.example", 404, 5, 5, hit: false);
        var rows = usage.Drain();

        Assert.Equal(2, rows.Count);
        var a = rows[0];
        Assert.Equal(("a.example", "pop-sjc", "node-1", 2L, 200L, 100L, 2L, 1L, 1L), (a.Hostname, a.PopId, a.NodeId, a.Requests, a.BytesToClients, a.BytesFromOrigin, a.Status2xx, a.Hits, a.Misses));
        Assert.Equal(1, rows[1].Status5xx);
        var rest = usage.Drain(includeCurrent: true);
        Assert.Equal(1, Assert.Single(rest).Status4xx);
    }

    [Fact]
    public void Concurrent_records_are_not_lost()
    {
        var usage = new UsageAggregator("p", "n", new FakeTimeProvider(DateTimeOffset.UtcNow));

        Parallel.For(0, 10_000, i => usage.Record("h", 200, 1, 0, hit: i % 2 == 0));

        var row = Assert.Single(usage.Drain(includeCurrent: true));
        Assert.Equal(10_000, row.Requests);
        Assert.Equal(5_000, row.Hits);
        Assert.Equal(10_000, row.BytesToClients);
    }

    [Fact]
    public void Access_log_line_is_combined_format_with_escaping()
    {
        var line = AccessLog.Format(new AccessLogRecord("10.0.0.1", new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero), "GET", "/a\"b", "HTTP/1.1",
            200, 1234, null, "ua", "www.customer.com", "Speedera; hit"));

        Assert.Equal("10.0.0.1 - - [04/Mar/2026:05:06:07 +0000] \"GET /a\\\"b HTTP/1.1\" 200 1234 \"-\" \"ua\" \"www.customer.com\" \"Speedera; hit\"", line);
    }
}
