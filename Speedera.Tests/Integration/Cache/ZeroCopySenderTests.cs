using System.Net.Sockets;
using System.Security.Cryptography;
using Speedera.Core.Cache;
using Speedera.Edge.Cache;
using Speedera.Tests.Support;

namespace Speedera.Tests.Integration.Cache;

/// <summary>
/// Plain HTTP/1.1 hits of large bodies go out with sendfile from a sealed memfd (ZeroCopySender, SealedBody). These
/// tests read raw bytes off the socket: pipelined requests, a reader too slow for the socket buffer (sendfile stops
/// short and the rest goes the ordinary way), and an object purged while a slow client is still downloading it.
/// </summary>
public class ZeroCopySenderTests
{
    [PlatformFact(PlatformFeature.ZeroCopySend)]
    public async Task Pipelined_hits_are_sent_from_the_memfd_byte_for_byte_and_in_order()
    {
        await using var t = await CacheTestHost.StartAsync();
        var large = CacheObjects.Bytes(100 * 1024, 11);
        var small = CacheObjects.Bytes(700, 12);
        CacheObjects.MapBytes(t.Origin, "/large.bin", large);
        CacheObjects.MapBytes(t.Origin, "/small.bin", small);
        (await t.GetAsync("/large.bin")).Dispose();
        (await t.GetAsync("/small.bin")).Dispose();

        using var socket = await RawHttp.ConnectAsync(t);
        await using var stream = new NetworkStream(socket);
        long before = ZeroCopySender.SentBytes, splicedBefore = ZeroCopySender.SplicedBytes;

        // Five requests in one write: the answers follow each other on the socket, headers, sendfile, headers...
        string[] order = ["/large.bin", "/small.bin", "/large.bin", "/large.bin", "/small.bin"];
        await stream.WriteAsync(order.SelectMany(p => RawHttp.Get(p)).ToArray());
        foreach (var path in order)
        {
            var (head, body) = await RawHttp.ReadResponseAsync(stream);
            Assert.StartsWith("HTTP/1.1 200", head);
            Assert.Contains("Cache-Status: Speedera; hit", head);
            Assert.Equal(SHA256.HashData(path == "/large.bin" ? large : small), SHA256.HashData(body));
        }

        // Three large hits went out with sendfile (other tests may add to the process-wide counter meanwhile).
        Assert.True(ZeroCopySender.SentBytes - before >= 3L * large.Length, $"sent without a copy: {ZeroCopySender.SentBytes - before}");

        // Whole bodies go from their page pipes (tee and splice), not by sendfile.
        Assert.True(ZeroCopySender.SplicedBytes - splicedBefore >= 3L * large.Length, $"spliced from page pipes: {ZeroCopySender.SplicedBytes - splicedBefore}");
    }

    [PlatformFact(PlatformFeature.ZeroCopySend)]
    public async Task A_slow_reader_gets_the_whole_body_when_the_socket_buffer_fills()
    {
        // Larger than the most a socket send buffer grows to (tcp_wmem's maximum, 4 MB by default).
        await using var t = await CacheTestHost.StartAsync(o => o.MemoryObjectLimitBytes = 16 * 1024 * 1024);
        var big = CacheObjects.Bytes(6 * 1024 * 1024, 13);
        CacheObjects.MapBytes(t.Origin, "/big.bin", big);
        (await t.GetAsync("/big.bin")).Dispose();

        // A small receive window and a reader that pauses: sendfile meets a full socket buffer and stops short; the
        // rest is sent once the client makes room.
        using var socket = await RawHttp.ConnectAsync(t, receiveBuffer: 8 * 1024);
        await using var stream = new NetworkStream(socket);
        long shortSends = ZeroCopySender.ShortSends;
        for (var i = 0; i < 2; i++)
        {
            await stream.WriteAsync(RawHttp.Get("/big.bin"));
            var (head, body) = await RawHttp.ReadResponseAsync(stream, delayEvery: 64);
            Assert.Contains("Cache-Status: Speedera; hit", head);
            Assert.Equal(SHA256.HashData(big), SHA256.HashData(body));
        }

        Assert.True(ZeroCopySender.ShortSends > shortSends, "sendfile never met a full socket buffer; the fallback went untested");
    }

    [PlatformFact(PlatformFeature.ZeroCopySend)]
    public async Task An_object_purged_during_a_slow_download_is_still_sent_intact()
    {
        await using var t = await CacheTestHost.StartAsync();
        var old = CacheObjects.Bytes(600 * 1024, 14);
        var fresh = CacheObjects.Bytes(600 * 1024, 15);
        var current = old;
        t.Origin.Map("/obj.bin", async context =>
        {
            var body = Volatile.Read(ref current);
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body);
        });
        (await t.GetAsync("/obj.bin")).Dispose();

        using var socket = await RawHttp.ConnectAsync(t, receiveBuffer: 8 * 1024);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(RawHttp.Get("/obj.bin"));

        // Once the head is in, the old body is on its way (held back by the small receive buffer): purge it, collect
        // the memory it lived in, and store the new one.
        var head = await RawHttp.ReadHeadAsync(stream);
        Volatile.Write(ref current, fresh);
        Assert.Equal(1, t.Cache.Store.Purge(PurgeOrder.FromUrl(Guid.NewGuid(), new Uri($"http://{TestNetwork.Host}/obj.bin"), soft: false, DateTimeOffset.UtcNow)));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using (var refetched = await t.GetAsync("/obj.bin"))
        {
            Assert.Equal(fresh, await refetched.Content.ReadAsByteArrayAsync());
        }

        var body = await RawHttp.ReadBodyAsync(stream, RawHttp.ContentLength(head), delayEvery: 4);
        Assert.Equal(SHA256.HashData(old), SHA256.HashData(body));
    }
}
