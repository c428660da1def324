using Microsoft.AspNetCore.Http;
using System.Net;
using Speedera.Edge.Cache;

namespace Speedera.Tests.Integration.Cache;

public class DeliveryTests
{
    [Fact]
    public async Task Miss_then_hit_is_fetched_once_and_marked_in_Cache_Status()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/a.txt", "hello", ("Cache-Control", "max-age=60"));

        using var first = await t.GetAsync("/a.txt");
        using var second = await t.GetAsync("/a.txt");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("hello", await second.Content.ReadAsStringAsync());
        Assert.Equal("Speedera; fwd=miss; stored", first.CacheStatus());
        Assert.Equal("Speedera; hit", second.CacheStatus());
        Assert.True(second.Headers.Age.HasValue);
        Assert.Equal(1, t.Origin.Hits("/a.txt"));
    }

    [Fact]
    public async Task Path_form_and_virtual_host_form_share_one_object_and_send_the_hostname_to_the_origin()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/images/test.gif", "GIF89a", ("Cache-Control", "max-age=60"), ("Content-Type", "image/gif"));

        // The patent's form: http://customer.speedera.net/www.customer.com/images/test.gif
        using var pathForm = await t.GetAsync("/www.customer.com/images/test.gif", host: "customer.speedera.net");
        using var vhost = await t.GetAsync("/images/test.gif", host: "www.customer.com");
        using var alias = await t.GetAsync("/images/test.gif", host: "images.customer.com:8080");

        Assert.Equal(HttpStatusCode.OK, pathForm.StatusCode);
        Assert.Equal("GIF89a", await pathForm.Content.ReadAsStringAsync());
        Assert.Equal("Speedera; hit", vhost.CacheStatus());
        Assert.Equal("Speedera; hit", alias.CacheStatus());
        Assert.Equal(1, t.Origin.Hits("/images/test.gif"));
        var seen = Assert.Single(t.Origin.Requests);
        Assert.Equal("/images/test.gif", seen.Path);
        Assert.Equal("www.customer.com", seen.Host);
    }

    [Fact]
    public async Task Host_not_in_configuration_gets_a_clear_404_and_no_origin_traffic()
    {
        await using var t = await CacheTestHost.StartAsync();

        using var response = await t.GetAsync("/x", host: "evil.example.net");
        using var pathForm = await t.GetAsync("/evil.example.net/x", host: "customer.speedera.net");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("evil.example.net", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("unknown-host", response.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, pathForm.StatusCode);
        Assert.Empty(t.Origin.Requests);
    }

    [Fact]
    public async Task New_configuration_applies_to_the_next_request()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/a", "a", ("Cache-Control", "max-age=60"));
        using var before = await t.GetAsync("/a", host: "new.customer.com");

        t.Config.Update(TestNetwork.Config(t.Origin.Port, version: 2, extraHosts: "new.customer.com"));
        using var after = await t.GetAsync("/a", host: "new.customer.com");
        Assert.False(t.Config.Update(TestNetwork.Config(t.Origin.Port, version: 1)));

        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Request_in_flight_finishes_on_the_configuration_it_started_with()
    {
        await using var t = await CacheTestHost.StartAsync();
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        t.Origin.Map("/slow", async context =>
        {
            started.TrySetResult();
            await release.Task;
            await context.Response.WriteAsync("old config");
        });

        var inFlight = t.GetAsync("/slow");
        await started.Task;
        var withoutHost = TestNetwork.Config(t.Origin.Port, version: 2) with { Hostnames = [] };
        t.Config.Update(withoutHost);
        using var after = await t.GetAsync("/slow");
        release.SetResult();
        using var finished = await inFlight;

        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        Assert.Equal("old config", await finished.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HEAD_is_answered_from_the_stored_GET_without_a_body()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/h", "0123456789", ("Cache-Control", "max-age=60"));

        using var head = await t.SendAsync(HttpMethod.Head, "/h");
        using var get = await t.GetAsync("/h");

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(10, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal("Speedera; hit", get.CacheStatus());
        Assert.Equal("0123456789", await get.Content.ReadAsStringAsync());
        Assert.Equal(1, t.Origin.Hits("/h"));
    }

    [Theory]
    [InlineData("bytes=2-5", HttpStatusCode.PartialContent, "2345", "bytes 2-5/10")]
    [InlineData("bytes=7-", HttpStatusCode.PartialContent, "789", "bytes 7-9/10")]
    [InlineData("bytes=-3", HttpStatusCode.PartialContent, "789", "bytes 7-9/10")]
    [InlineData("bytes=5-100", HttpStatusCode.PartialContent, "56789", "bytes 5-9/10")]
    [InlineData("bytes=10-20", HttpStatusCode.RequestedRangeNotSatisfiable, "", "bytes */10")]
    public async Task Range_is_served_from_the_cached_object(string range, HttpStatusCode status, string body, string contentRange)
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/r", "0123456789", ("Cache-Control", "max-age=60"));

        using var response = await t.GetAsync("/r", configure: r => r.Headers.TryAddWithoutValidation("Range", range));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal(contentRange, response.Content.Headers.GetValues("Content-Range").Single());
        Assert.Equal(1, t.Origin.Hits("/r"));
        Assert.DoesNotContain(t.Origin.Requests, r => r.Headers.ContainsKey("Range"));
    }

    [Fact]
    public async Task Several_ranges_are_served_as_multipart_byteranges_from_the_cached_object()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/m", "0123456789abcdefghij", ("Cache-Control", "max-age=60"), ("Content-Type", "text/plain"));

        using var multi = await t.GetAsync("/m", configure: r => r.Headers.TryAddWithoutValidation("Range", "bytes=15-17,0-2"));
        using var head = await t.SendAsync(HttpMethod.Head, "/m", configure: r => r.Headers.TryAddWithoutValidation("Range", "bytes=15-17,0-2"));
        using var overlapping = await t.GetAsync("/m", configure: r => r.Headers.TryAddWithoutValidation("Range", "bytes=0-4,3-6"));

        Assert.Equal(HttpStatusCode.PartialContent, multi.StatusCode);
        var type = multi.Content.Headers.ContentType!;
        Assert.Equal("multipart/byteranges", type.MediaType);
        var boundary = type.Parameters.Single(p => p.Name == "boundary").Value!;
        var text = await multi.Content.ReadAsStringAsync();
        Assert.Equal(
            $"--{boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-2/20\r\n\r\n012" +
            $"\r\n--{boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 15-17/20\r\n\r\nfgh" +
            $"\r\n--{boundary}--\r\n",
            text);
        Assert.Equal(text.Length, multi.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.PartialContent, head.StatusCode);
        // Each response has its own boundary, of the same length: the same Content-Length, and no body for HEAD.
        Assert.Equal(text.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.PartialContent, overlapping.StatusCode);
        Assert.Equal("0123456", await overlapping.Content.ReadAsStringAsync());
        Assert.Equal("bytes 0-6/20", overlapping.Content.Headers.GetValues("Content-Range").Single());
        Assert.Equal(1, t.Origin.Hits("/m"));
    }

    [Fact]
    public async Task Conditional_request_from_the_client_gets_304_from_the_cache()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/c", "body", ("Cache-Control", "max-age=60"), ("ETag", "\"v1\""));
        using var warm = await t.GetAsync("/c");

        using var response = await t.GetAsync("/c", configure: r => r.Headers.TryAddWithoutValidation("If-None-Match", "\"v1\""));

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"v1\"", response.Headers.ETag?.ToString());
        Assert.Equal(1, t.Origin.Hits("/c"));
    }

    [Fact]
    public async Task HTTP2_over_TLS_uses_the_certificate_of_the_requested_hostname()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=www.customer.com", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string? requestedName = null;
        await using var t = await CacheTestHost.StartAsync(o =>
        {
            o.HttpsListenEndpoint = new IPEndPoint(IPAddress.Loopback, 0);
            o.CertificateSelector = name =>
            {
                requestedName = name;
                return name == TestNetwork.Host ? cert : null;
            };
        });
        t.Origin.MapStatic("/h2", "two", ("Cache-Control", "max-age=60"));
        var https = t.Cache.Addresses.Single(a => a.Scheme == "https");
        string? served = null;
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, https.Port, ct);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, c, _, _) =>
        {
            served = c?.Subject;
            return true;
        };
        using var client = new HttpClient(handler);
        var message = new HttpRequestMessage(HttpMethod.Get, $"https://www.customer.com:{https.Port}/h2")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.SendAsync(message);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("two", await response.Content.ReadAsStringAsync());
        Assert.Equal("www.customer.com", requestedName);
        Assert.Equal("CN=www.customer.com", served);
    }
}
