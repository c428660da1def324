using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Speedera.Edge.Cache;

namespace Speedera.Tests.Integration.Cache;

/// <summary>
/// Large hits are lent to Kestrel's response pipe without a copy (HitMemoryPool). These tests make sure the borrowed
/// body is sent byte for byte and that nothing written after it on the same connection (the next response's headers,
/// a small body from pooled blocks, a range of the same object) ends up inside the cached object.
/// </summary>
public class ZeroCopyHitTests
{
    [Fact]
    public async Task Large_and_small_hits_alternate_on_one_connection_byte_for_byte()
    {
        await using var t = await CacheTestHost.StartAsync();
        var large = CacheObjects.Bytes(100 * 1024, 1);
        var odd = CacheObjects.Bytes(16 * 1024 + 7, 2);
        var small = CacheObjects.Bytes(1024, 3);
        CacheObjects.MapBytes(t.Origin, "/large.bin", large);
        CacheObjects.MapBytes(t.Origin, "/odd.bin", odd);
        CacheObjects.MapBytes(t.Origin, "/small.bin", small);
        var expected = new Dictionary<string, byte[]> { ["/large.bin"] = large, ["/odd.bin"] = odd, ["/small.bin"] = small };
        string[] order = ["/large.bin", "/small.bin", "/large.bin", "/large.bin", "/odd.bin", "/small.bin", "/odd.bin", "/large.bin"];

        // The test host's client keeps one connection alive: every response after the first miss of each object is a
        // hit written after the previous response on the same pipe.
        for (var round = 0; round < 25; round++)
        {
            foreach (var path in order)
            {
                using var response = await t.GetAsync(path);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(SHA256.HashData(expected[path]), SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));
            }
        }

        Assert.Equal(1, t.Origin.Hits("/large.bin"));
        var lent = HitMemoryPool.Lent;
        using var last = await t.GetAsync("/large.bin");
        Assert.True(HitMemoryPool.Lent > lent, "the large hit was copied, not lent to the pipe");
        Assert.Equal("Speedera; hit", last.CacheStatus());
        Assert.Equal(large, await last.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(0, 102399)]
    [InlineData(1000, 60000)]
    [InlineData(50000, 102399)]
    [InlineData(100, 200)]
    public async Task Ranges_of_a_large_hit_are_the_right_slice_and_leave_the_object_intact(int first, int last)
    {
        await using var t = await CacheTestHost.StartAsync();
        var large = CacheObjects.Bytes(100 * 1024, 4);
        CacheObjects.MapBytes(t.Origin, "/large.bin", large);
        using (await t.GetAsync("/large.bin"))
        {
        }

        using var partial = await t.GetAsync("/large.bin", configure: r => r.Headers.Range = new RangeHeaderValue(first, last));
        using var whole = await t.GetAsync("/large.bin");

        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(large.AsSpan(first, last - first + 1).ToArray(), await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(large, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, t.Origin.Hits("/large.bin"));
    }

    [Fact]
    public async Task Concurrent_large_hits_over_HTTP2_streams_are_intact()
    {
        await using var t = await CacheTestHost.StartAsync(o => o.Protocols = HttpProtocols.Http2);
        var large = CacheObjects.Bytes(100 * 1024, 5);
        var other = CacheObjects.Bytes(40 * 1024, 6);
        CacheObjects.MapBytes(t.Origin, "/large.bin", large);
        CacheObjects.MapBytes(t.Origin, "/other.bin", other);
        using var handler = new SocketsHttpHandler { UseProxy = false };
        using var client = new HttpClient(handler) { BaseAddress = t.Cache.Addresses.First(a => a.Scheme == "http") };

        async Task<(string Path, byte[] Body, Version Version)> Get(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path)
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            request.Headers.Host = TestNetwork.Host;
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.CacheStatus()} {await response.Content.ReadAsStringAsync()}");
            return (path, await response.Content.ReadAsByteArrayAsync(), response.Version);
        }

        await Get("/large.bin");
        await Get("/other.bin");
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Get(i % 3 == 0 ? "/other.bin" : "/large.bin")));

        Assert.All(results, r =>
        {
            Assert.Equal(HttpVersion.Version20, r.Version);
            Assert.Equal(r.Path == "/large.bin" ? large : other, r.Body);
        });
        Assert.Equal(1, t.Origin.Hits("/large.bin"));
    }

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task Large_hits_over_TLS_are_intact(string version)
    {
        using var key = RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=www.customer.com", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await using var t = await CacheTestHost.StartAsync(o =>
        {
            o.HttpsListenEndpoint = new IPEndPoint(IPAddress.Loopback, 0);
            o.CertificateSelector = _ => cert;
        });
        var large = CacheObjects.Bytes(100 * 1024, 7);
        CacheObjects.MapBytes(t.Origin, "/large.bin", large);
        var https = t.Cache.Addresses.Single(a => a.Scheme == "https");
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, https.Port, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var client = new HttpClient(handler);

        for (int i = 0; i < 5; i++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, $"https://www.customer.com:{https.Port}/large.bin")
            {
                Version = Version.Parse(version),
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var response = await client.SendAsync(message);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Version.Parse(version), response.Version);
            Assert.Equal(large, await response.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal(1, t.Origin.Hits("/large.bin"));
    }
}
