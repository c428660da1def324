using Speedera.Core.PageCheck;

namespace Speedera.Tests.Unit.PageCheck;

public class PageTimingsTests
{
    private const long Frequency = 1_000_000; // one tick per microsecond

    [Fact]
    public void Phases_of_a_request_on_a_new_tls_connection_sum_to_its_duration()
    {
        // queued 0, dns 1000-3000, connect to 5000, tls to 9000, send 9000-9500, first byte 20000, end 26000 (microseconds)
        var marks = new RequestMarks(0, 1000, 1000, 3000, 5000, 5000, 9000, 9000, 9500, 20000, 26000);
        var t = PageTimings.Phases(marks, Frequency);

        Assert.Equal(1.0, t.Blocked, 6);
        Assert.Equal(2.0, t.Dns, 6);
        Assert.Equal(6.0, t.Connect, 6); // 2 ms TCP + 4 ms TLS: HAR's connect includes ssl
        Assert.Equal(4.0, t.Ssl, 6);
        Assert.Equal(0.5, t.Send, 6);
        Assert.Equal(10.5, t.Wait, 6);
        Assert.Equal(6.0, t.Receive, 6);
        Assert.Equal(26.0, t.Total, 6);
    }

    [Fact]
    public void A_request_on_a_reused_connection_has_no_dns_connect_or_ssl_and_waits_as_blocked()
    {
        var marks = new RequestMarks(0, 4000, null, null, null, null, null, 4000, 4100, 7000, 7500);
        var t = PageTimings.Phases(marks, Frequency);

        Assert.Equal(-1, t.Dns);
        Assert.Equal(-1, t.Connect);
        Assert.Equal(-1, t.Ssl);
        Assert.Equal(4.0, t.Blocked, 6);
        Assert.Equal(7.5, t.Total, 6);
    }

    [Fact]
    public void Marks_out_of_order_are_clamped_so_no_phase_is_negative()
    {
        var marks = new RequestMarks(5000, 4000, 4000, 3000, 6000, null, null, 5500, 5400, 9000, 8000);
        var t = PageTimings.Phases(marks, Frequency);

        Assert.All(new[] { t.Blocked, t.Send, t.Wait, t.Receive, t.Dns, t.Connect }, v => Assert.True(v >= 0, $"{v}"));
        Assert.Equal(4.0, t.Total, 6);
    }
}

public class HarBuilderTests
{
    private static PageCheckViewResult View() => new(
        PageCheckView.First,
        PageCheckRoute.Cdn,
        new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero),
        null,
        [
            new PageCheckRequest
            {
                Index = 0, Url = "http://shop.example.com/?a=1&b=x%20y", Kind = "document", StartOffsetMs = 0,
                Timings = new PhaseTimings(0.1234, 1.5555, 3.3333, 1.1111, 0.2222, 12.7777, 4.4444),
                Status = 200, StatusText = "OK", BodyWireBytes = 1000, BodyDecodedBytes = 4000, ContentType = "text/html",
                ResponseHeaders = [new("Cache-Status", "Speedera; hit")],
                NewConnection = true, Connection = 1,
            },
            new PageCheckRequest
            {
                Index = 1, Url = "http://shop.example.com/a.png", Kind = "image", StartOffsetMs = 22.5,
                Timings = new PhaseTimings(0, -1, -1, -1, 0.05, 3, 1), Status = 304, Conditional = true, Connection = 1,
            },
        ]);

    [Fact]
    public void Har_entry_time_equals_the_sum_of_its_phases_and_ssl_is_not_counted_twice()
    {
        var har = HarBuilder.Build(View(), "sjc", "1.0");

        Assert.Equal("1.2", har.Log.Version);
        Assert.Equal(2, har.Log.Entries.Count);
        foreach (var e in har.Log.Entries)
        {
            var t = e.Timings;
            var sum = Math.Max(t.Blocked, 0) + Math.Max(t.Dns, 0) + Math.Max(t.Connect, 0) + t.Send + t.Wait + t.Receive;
            Assert.Equal(sum, e.Time, 9);
        }

        Assert.Equal(-1, har.Log.Entries[1].Timings.Dns);
        Assert.Equal(2, har.Log.Entries[0].Request.QueryString.Count);
        Assert.Equal("x y", har.Log.Entries[0].Request.QueryString[1].Value);
        Assert.Equal(3000, har.Log.Entries[0].Response.Content.Compression);
        Assert.Equal("2026-11-29T12:00:00.022Z", har.Log.Entries[1].StartedDateTime);
    }

    [Fact]
    public void Summary_counts_bytes_requests_cache_hits_and_new_connections()
    {
        var summary = View().Summary;

        Assert.Equal(2, summary.Requests);
        Assert.Equal(1, summary.Components);
        Assert.Equal(1, summary.CacheHits);
        Assert.Equal(1, summary.Connections);
        Assert.Equal(1000, summary.WireBytes);
        Assert.Equal(26.55, summary.TotalMs, 6);
    }
}
