using System.Net.Sockets;
using System.Security.Cryptography;
using Speedera.Edge.Cache;
using Speedera.Tests.Support;

namespace Speedera.Tests.Integration.Cache;

/// <summary>
/// A large hit's response head goes into the scratch pipe in front of the body's pages, so head and body leave in one
/// splice. Checked on both hit paths (connection-level and through Kestrel): the bytes on the wire are the answer.
/// </summary>
public class SplicedHeadTests
{
    [PlatformFact(PlatformFeature.ZeroCopySend)]
    public Task Head_and_body_of_large_hits_leave_in_one_splice_on_the_connection_level_path() => RunAsync(fastHits: true);

    [PlatformFact(PlatformFeature.ZeroCopySend)]
    public Task Head_and_body_of_large_hits_leave_in_one_splice_through_kestrel() => RunAsync(fastHits: false);

    private static async Task RunAsync(bool fastHits)
    {
        await using var t = await CacheTestHost.StartAsync(o => o.FastHits = fastHits);
        var large = CacheObjects.Bytes(100 * 1024, 21);
        var small = CacheObjects.Bytes(900, 22);
        CacheObjects.MapBytes(t.Origin, "/large.bin", large);
        CacheObjects.MapBytes(t.Origin, "/small.bin", small);
        (await t.GetAsync("/large.bin")).Dispose();
        (await t.GetAsync("/small.bin")).Dispose();

        using var socket = await RawHttp.ConnectAsync(t);
        await using var stream = new NetworkStream(socket);
        long heads = ZeroCopySender.HeadsSpliced;

        // One at a time, then pipelined: every answer starts with its own status line and carries its own body.
        string[] order = ["/large.bin", "/small.bin", "/large.bin", "/large.bin", "/small.bin", "/large.bin"];
        foreach (var path in order[..2])
        {
            await stream.WriteAsync(RawHttp.Get(path));
            await AssertAnswerAsync(stream, path);
        }

        await stream.WriteAsync(order[2..].SelectMany(p => RawHttp.Get(p)).ToArray());
        foreach (var path in order[2..])
        {
            await AssertAnswerAsync(stream, path);
        }

        Assert.True(ZeroCopySender.HeadsSpliced - heads >= 4, $"heads spliced with their bodies: {ZeroCopySender.HeadsSpliced - heads} of 4");

        async Task AssertAnswerAsync(Stream s, string path)
        {
            var (head, body) = await RawHttp.ReadResponseAsync(s);
            Assert.StartsWith("HTTP/1.1 200", head);
            Assert.Contains("Cache-Status: Speedera; hit", head);
            Assert.Equal(SHA256.HashData(path == "/large.bin" ? large : small), SHA256.HashData(body));
        }
    }
}
