using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Speedera.Core.Cache;
using Speedera.Edge.Cache;
using Speedera.Tests.Support;

namespace Speedera.Tests.Integration.Cache;

/// <summary>
/// The connection-level hit path (CacheServerOptions.FastHits): fresh in-memory hits of plain GET/HEAD requests are
/// answered before Kestrel's HTTP layer. These tests hold it to what Kestrel answers: the same fields and bytes, every
/// other request (odd, hostile, conditional, stale, varying, purged) left to Kestrel on the same connection with
/// nothing lost, the same usage and access-log records, and the keep-alive timeout and shutdown honoured.
/// </summary>
public class FastHitTests
{
    private static async Task<CacheTestHost> StartAsync(Action<CacheServerOptions>? configure = null)
    {
        var t = await CacheTestHost.StartAsync(configure);
        CacheObjects.MapBytes(t.Origin, "/small.bin", CacheObjects.Bytes(1024, 21));
        CacheObjects.MapBytes(t.Origin, "/large.bin", CacheObjects.Bytes(100 * 1024, 22));
        (await t.GetAsync("/small.bin")).Dispose();
        (await t.GetAsync("/large.bin")).Dispose();
        return t;
    }

    /// <summary>A head's status line and its fields, names lower-cased, in a fixed order (field order carries no meaning).</summary>
    private static string[] Normalized(string head)
    {
        var lines = head.TrimEnd('\r', '\n').Split("\r\n");
        return [lines[0], .. lines.Skip(1).Select(l => l[..l.IndexOf(':')].ToLowerInvariant() + l[l.IndexOf(':')..]).Order(StringComparer.Ordinal)];
    }

    [PlatformTheory(PlatformFeature.ZeroCopySend)]
    [InlineData("GET", "/small.bin")]
    [InlineData("GET", "/large.bin")]
    [InlineData("HEAD", "/large.bin")]
    public async Task A_fast_hit_is_the_answer_Kestrel_gives_field_for_field_and_byte_for_byte(string method, string path)
    {
        await using var t = await StartAsync();

        // Connection 1 starts with the hit: the fast path answers it.
        using var fast = await RawHttp.ConnectAsync(t);
        await using var fastStream = new NetworkStream(fast);
        await fastStream.WriteAsync(RawHttp.Get(path, "User-Agent: test/1.0\r\nAccept: */*\r\n", method));
        var (fastHead, fastBody) = await RawHttp.ReadResponseAsync(fastStream, head: method == "HEAD");
        Assert.Equal(1, t.Cache.FastHits);

        // Connection 2 starts with a request the fast path leaves alone (a validator that does not match), so Kestrel
        // owns the connection and answers the same request after it.
        using var slow = await RawHttp.ConnectAsync(t);
        await using var slowStream = new NetworkStream(slow);
        await slowStream.WriteAsync(RawHttp.Get(path, "If-None-Match: \"nothing-matches\"\r\n", method));
        await RawHttp.ReadResponseAsync(slowStream, head: method == "HEAD");
        await slowStream.WriteAsync(RawHttp.Get(path, "User-Agent: test/1.0\r\nAccept: */*\r\n", method));
        var (slowHead, slowBody) = await RawHttp.ReadResponseAsync(slowStream, head: method == "HEAD");
        Assert.Equal(1, t.Cache.FastHits);

        Assert.Equal(Normalized(slowHead), Normalized(fastHead));
        Assert.Contains("cache-status: Speedera; hit", Normalized(fastHead));
        Assert.Contains("accept-ranges: bytes", Normalized(fastHead));
        Assert.Equal(SHA256.HashData(slowBody), SHA256.HashData(fastBody));
        Assert.Equal(method == "HEAD" ? 0 : RawHttp.ContentLength(fastHead), fastBody.Length);
    }

    [PlatformFact(PlatformFeature.ZeroCopySend)]
    public async Task Requests_it_does_not_answer_go_to_Kestrel_on_the_same_connection_in_order()
    {
        await using var t = await StartAsync();
        using var socket = await RawHttp.ConnectAsync(t);
        await using var stream = new NetworkStream(socket);

        // Six requests in one write: two hits answered here, then a range that hands the connection to Kestrel, which
        // answers the range, the conditional request and the plain hit after it.
        t.Origin.MapStatic("/tagged", "tagged body", ("Cache-Control", "max-age=600"), ("ETag", "\"v1\""));
        (await t.GetAsync("/tagged")).Dispose();

        var before = t.Cache.FastHits;
        byte[][] requests =
        [
            RawHttp.Get("/small.bin"),
            RawHttp.Get("/large.bin"),
            RawHttp.Get("/large.bin", "Range: bytes=10-19\r\n"),
            RawHttp.Get("/tagged", "If-None-Match: \"v1\"\r\n"),
            RawHttp.Get("/small.bin"),
            RawHttp.Get("/unknown-path-on-origin"),
        ];
        await stream.WriteAsync(requests.SelectMany(r => r).ToArray());

        var (h1, b1) = await RawHttp.ReadResponseAsync(stream);
        var (h2, b2) = await RawHttp.ReadResponseAsync(stream);
        var (h3, b3) = await RawHttp.ReadResponseAsync(stream);
        var h4 = await RawHttp.ReadHeadAsync(stream);
        var (h5, b5) = await RawHttp.ReadResponseAsync(stream);
        var h6 = await RawHttp.ReadHeadAsync(stream);

        Assert.StartsWith("HTTP/1.1 200 OK", h1);
        Assert.Equal(CacheObjects.Bytes(1024, 21), b1);
        Assert.StartsWith("HTTP/1.1 200 OK", h2);
        Assert.Equal(CacheObjects.Bytes(100 * 1024, 22), b2);
        Assert.StartsWith("HTTP/1.1 206", h3);
        Assert.Contains("Content-Range: bytes 10-19/102400", h3);
        Assert.Equal(CacheObjects.Bytes(100 * 1024, 22)[10..20], b3);
        Assert.StartsWith("HTTP/1.1 304", h4);
        Assert.StartsWith("HTTP/1.1 200 OK", h5);
        Assert.Equal(CacheObjects.Bytes(1024, 21), b5);
        Assert.StartsWith("HTTP/1.1 404", h6);
        Assert.Contains("Cache-Status: Speedera; fwd=miss", h6);
        Assert.Equal(before + 2, t.Cache.FastHits);
    }

    [PlatformFact(PlatformFeature.ZeroCopySend)]
    public async Task Stale_varying_and_purged_objects_are_left_to_Kestrel()
    {
        await using var t = await StartAsync();
        t.Origin.MapStatic("/vary", "varies", ("Cache-Control", "max-age=600"), ("Vary", "Accept-Language"));
        t.Origin.MapStatic("/short", "short-lived", ("Cache-Control", "max-age=10"));
        (await t.GetAsync("/vary")).Dispose();
        (await t.GetAsync("/short")).Dispose();

        async Task<string> FreshConnectionAsync(string path)
        {
            using var socket = await RawHttp.ConnectAsync(t);
            await using var stream = new NetworkStream(socket);
            await stream.WriteAsync(RawHttp.Get(path));
            return await RawHttp.ReadHeadAsync(stream);
        }

        var before = t.Cache.FastHits;
        Assert.Contains("Cache-Status: Speedera; hit", await FreshConnectionAsync("/vary"));
        Assert.Equal(before, t.Cache.FastHits);

        Assert.Contains("Cache-Status: Speedera; hit", await FreshConnectionAsync("/short"));
        Assert.Equal(before + 1, t.Cache.FastHits);
        t.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Contains("Cache-Status: Speedera; fwd=stale", await FreshConnectionAsync("/short"));
        Assert.Equal(before + 1, t.Cache.FastHits);

        // Purged between two requests on one connection: the second is a miss, fetched by Kestrel.
        using var socket = await RawHttp.ConnectAsync(t);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(RawHttp.Get("/small.bin"));
        Assert.Contains("Cache-Status: Speedera; hit", (await RawHttp.ReadResponseAsync(stream)).Head);
        Assert.Equal(1, t.Cache.Store.Purge(PurgeOrder.FromUrl(Guid.NewGuid(), new Uri($"http://{TestNetwork.Host}/small.bin"), soft: false, DateTimeOffset.UtcNow)));
        await stream.WriteAsync(RawHttp.Get("/small.bin"));
        var (head, body) = await RawHttp.ReadResponseAsync(stream);
        Assert.Contains("Cache-Status: Speedera; fwd=miss; stored", head);
        Assert.Equal(CacheObjects.Bytes(1024, 21), body);
        Assert.Equal(before + 2, t.Cache.FastHits);
    }

    public static TheoryData<string, string> OddRequests => new()
    {
        { "space before the colon", "GET /small.bin HTTP/1.1\r\nHost : www.customer.com\r\n\r\n" },
        { "obs-fold", "GET /small.bin HTTP/1.1\r\nHost: www.customer.com\r\nAccept: a\r\n  folded\r\n\r\n" },
        { "two Host fields", "GET /small.bin HTTP/1.1\r\nHost: www.customer.com\r\nHost: www.customer.com\r\n\r\n" },
        { "no Host", "GET /small.bin HTTP/1.1\r\n\r\n" },
        { "bad Host", "GET /small.bin HTTP/1.1\r\nHost: www customer com\r\n\r\n" },
        { "unknown Host", "GET /small.bin HTTP/1.1\r\nHost: unknown.example\r\n\r\n" },
        { "bare line feeds", "GET /small.bin HTTP/1.1\nHost: www.customer.com\n\n" },
        { "HTTP/1.0", "GET /small.bin HTTP/1.0\r\nHost: www.customer.com\r\n\r\n" },
        { "absolute form", "GET http://www.customer.com/small.bin HTTP/1.1\r\nHost: www.customer.com\r\n\r\n" },
        { "fragment", "GET /small.bin#x HTTP/1.1\r\nHost: www.customer.com\r\n\r\n" },
        { "dot segment", "GET /x/../small.bin HTTP/1.1\r\nHost: www.customer.com\r\n\r\n" },
        { "health path", "GET /.speedera/health HTTP/1.1\r\nHost: www.customer.com\r\n\r\n" },
        { "control byte in a field", "GET /small.bin HTTP/1.1\r\nHost: www.customer.com\r\nUser-Agent: a\u0001b\r\n\r\n" },
        { "chunked body on a GET", "GET /small.bin HTTP/1.1\r\nHost: www.customer.com\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" },
        { "both framings", "GET /small.bin HTTP/1.1\r\nHost: www.customer.com\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" },
        { "head over 8 KB", "GET /small.bin HTTP/1.1\r\nHost: www.customer.com\r\nX-Pad: " + new string('a', 9000) + "\r\n\r\n" },
        { "head over Kestrel's 32 KB", "GET /small.bin HTTP/1.1\r\nHost: www.customer.com\r\nX-Pad: " + new string('a', 40000) + "\r\n\r\n" },
        { "Connection: close", "GET /small.bin HTTP/1.1\r\nHost: www.customer.com\r\nConnection: close\r\n\r\n" },
        { "Pragma", "GET /small.bin HTTP/1.1\r\nHost: www.customer.com\r\nPragma: no-cache\r\n\r\n" },
        { "Cache-Control only-if-cached", "GET /small.bin HTTP/1.1\r\nHost: www.customer.com\r\nCache-Control: only-if-cached\r\n\r\n" },
        { "lower-case method", "get /small.bin HTTP/1.1\r\nHost: www.customer.com\r\n\r\n" },
    };

    /// <summary>
    /// Each of these is answered the way a cache without the fast path answers it (same status line and Cache-Status),
    /// and none of them by the fast path.
    /// </summary>
    [PlatformTheory(PlatformFeature.ZeroCopySend)]
    [MemberData(nameof(OddRequests))]
    public async Task Odd_and_hostile_request_heads_get_Kestrels_answer(string what, string request)
    {
        await using var withFast = await StartAsync();
        await using var without = await StartAsync(o => o.FastHits = false);

        static async Task<string> AnswerAsync(CacheTestHost t, string request)
        {
            using var socket = await RawHttp.ConnectAsync(t);
            await using var stream = new NetworkStream(socket);
            await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
            var head = await RawHttp.ReadHeadAsync(stream).WaitAsync(TimeSpan.FromSeconds(10));
            var lines = head.Split("\r\n");
            return lines[0] + " | " + string.Join(",", lines.Where(l => l.StartsWith("Cache-Status:", StringComparison.Ordinal)));
        }

        var expected = await AnswerAsync(without, request);
        Assert.Equal(expected, await AnswerAsync(withFast, request));
        Assert.True(0 == withFast.Cache.FastHits, $"{what}: answered by the fast path");
    }

    [PlatformFact(PlatformFeature.ZeroCopySend)]
    public async Task Fast_hits_are_counted_in_usage_and_written_to_the_access_log()
    {
        var dir = Directory.CreateTempSubdirectory("speedera-fast-log-");
        try
        {
            var path = Path.Combine(dir.FullName, "access.log");
            var clock = TestClock.MidMinute();
            var t = await CacheTestHost.StartAsync(o => o.AccessLogPath = path, clock: clock);
            CacheObjects.MapBytes(t.Origin, "/small.bin", CacheObjects.Bytes(1024, 21));
            (await t.GetAsync("/small.bin")).Dispose();

            using (var socket = await RawHttp.ConnectAsync(t))
            await using (var stream = new NetworkStream(socket))
            {
                await stream.WriteAsync(RawHttp.Get("/small.bin", "User-Agent: fast-agent/2.0\r\nReferer: http://example.com/page\r\n"));
                await RawHttp.ReadResponseAsync(stream);
                await stream.WriteAsync(RawHttp.Get("/small.bin", method: "HEAD"));
                await RawHttp.ReadResponseAsync(stream, head: true);
            }

            Assert.Equal(2, t.Cache.FastHits);
            clock.Advance(TimeSpan.FromMinutes(1));
            var row = Assert.Single(t.Cache.Usage.Drain());
            Assert.Equal(3, row.Requests);
            Assert.Equal(2, row.Hits);
            Assert.Equal(1, row.Misses);
            Assert.Equal(3, row.Status2xx);
            Assert.Equal(2 * 1024, row.BytesToClients);
            await t.DisposeAsync();

            var lines = File.ReadAllLines(path);
            Assert.Equal(3, lines.Length);
            Assert.Matches("""^127\.0\.0\.1 - - \[[^\]]+\] "GET /small\.bin HTTP/1\.1" 200 1024 "http://example\.com/page" "fast-agent/2\.0" "www\.customer\.com" "Speedera; hit"$""", lines[1]);
            Assert.Matches("""^127\.0\.0\.1 - - \[[^\]]+\] "HEAD /small\.bin HTTP/1\.1" 200 - "-" "-" "www\.customer\.com" "Speedera; hit"$""", lines[2]);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [PlatformFact(PlatformFeature.ZeroCopySend)]
    public async Task A_head_split_over_two_writes_is_answered_by_Kestrel()
    {
        await using var t = await StartAsync();
        using var socket = await RawHttp.ConnectAsync(t);
        socket.NoDelay = true;
        await using var stream = new NetworkStream(socket);
        var request = RawHttp.Get("/small.bin");
        await stream.WriteAsync(request.AsMemory(0, 20));
        await Task.Delay(100);
        await stream.WriteAsync(request.AsMemory(20));
        var (head, body) = await RawHttp.ReadResponseAsync(stream);
        Assert.Contains("Cache-Status: Speedera; hit", head);
        Assert.Equal(CacheObjects.Bytes(1024, 21), body);
    }

    [PlatformFact(PlatformFeature.ZeroCopySend)]
    public async Task An_idle_connection_is_closed_after_the_keep_alive_timeout_and_on_shutdown()
    {
        await using var t = await StartAsync(o => o.KeepAliveTimeout = TimeSpan.FromSeconds(1));
        using var idle = await RawHttp.ConnectAsync(t);
        await using var idleStream = new NetworkStream(idle);
        await idleStream.WriteAsync(RawHttp.Get("/small.bin"));
        await RawHttp.ReadResponseAsync(idleStream);
        Assert.Equal(1, t.Cache.FastHits);
        Assert.Equal("", await RawHttp.ReadHeadAsync(idleStream).WaitAsync(TimeSpan.FromSeconds(20)));

        // A connection waiting for its next request when the server stops is closed, not waited for.
        using var waiting = await RawHttp.ConnectAsync(t);
        await using var waitingStream = new NetworkStream(waiting);
        await waitingStream.WriteAsync(RawHttp.Get("/small.bin"));
        await RawHttp.ReadResponseAsync(waitingStream);
        await t.Cache.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("", await RawHttp.ReadHeadAsync(waitingStream).WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
