using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.PageCheck;
using Speedera.Core.Security;
using Speedera.Edge.Probe.PageCheck;
using Speedera.Edge.Security;

namespace Speedera.Tests.Integration.PageCheck;

/// <summary>
/// The agent over TLS (a loopback HTTPS site with a certificate made for the test: HTTP/2 by ALPN, or HTTP/1.1 only),
/// against an origin that never answers, and sent by redirects to addresses the guard forbids. Every dial goes through a
/// recording hook that connects loopback endpoints only and refuses anything else without sending a packet.
/// </summary>
public sealed class AgentTlsAndSafetyTests
{
    private static readonly Lazy<X509Certificate2> TestCertificate = new(CreateCertificate);

    private sealed class RecordingDial
    {
        public ConcurrentQueue<IPEndPoint> Dialled { get; } = new();

        public async ValueTask<Socket> DialAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
        {
            Dialled.Enqueue(endpoint);
            if (!IPAddress.IsLoopback(endpoint.Address))
            {
                throw new InvalidOperationException($"the test hook refuses to dial {endpoint}: only loopback is dialled here");
            }

            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(endpoint, cancellationToken);
            return socket;
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=site.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("site.test");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var made = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null);
    }

    private static PageCheckAgent Agent(RecordingDial dial, bool trustTestCertificate = true, PageCheckLimits? limits = null, TargetResolver? resolver = null) => new(
        () => null,
        () => NetworkTargetGuard.Strict,
        new PageCheckAgentOptions
        {
            TestAllowedNetworks = [IPNetwork.Parse("127.0.0.0/8")],
            Limits = limits ?? PageCheckLimits.Default,
            Dial = dial.DialAsync,
            Resolver = resolver,

            // Trust exactly the test's certificate, nothing else.
            CertificateValidation = trustTestCertificate ? (_, cert, _, _) => cert is not null && cert.GetCertHashString() == TestCertificate.Value.GetCertHashString() : null,
        },
        TimeProvider.System,
        NullLogger.Instance);

    [Fact]
    public async Task Https_site_speaking_http2_gets_every_request_as_a_stream_of_one_connection_with_tls_timed()
    {
        await using var site = await PageTestSite.StartAsync(certificate: TestCertificate.Value);
        var dial = new RecordingDial();

        var result = await Agent(dial).RunAsync(AgentTests.Job(site.Url), "node-1", CancellationToken.None);

        Assert.Null(result.Error);
        var first = result.Views[0];
        Assert.Equal(PageTestSite.RequestCount, first.Requests.Count);
        Assert.All(first.Requests, r => Assert.True(r.Error is null && r.HttpVersion == "HTTP/2.0", $"{r.Url}: {r.HttpVersion} {r.Error}"));
        Assert.All(site.ProtocolsSeen, p => Assert.Equal("HTTP/2", p));
        Assert.Single(first.Requests.Select(r => r.Connection).Distinct());
        Assert.Single(dial.Dialled);

        var opener = Assert.Single(first.Requests, r => r.NewConnection);
        Assert.True(opener.Timings.Ssl > 0, $"ssl {opener.Timings.Ssl} ms");
        Assert.True(opener.Timings.Connect >= opener.Timings.Ssl, $"connect {opener.Timings.Connect} ms includes ssl {opener.Timings.Ssl} ms");
        var tls = opener.Tls!;
        Assert.Equal("h2", tls.Alpn);
        Assert.Equal("CN=site.test", tls.Subject);
        Assert.Equal("CN=site.test", tls.Issuer);
        Assert.Equal(TestCertificate.Value.NotAfter.ToUniversalTime(), tls.ValidTo!.Value.UtcDateTime, TimeSpan.FromSeconds(1));
        Assert.StartsWith("Tls1", tls.Protocol, StringComparison.Ordinal);
        Assert.All(first.Requests.Where(r => !r.NewConnection), r => Assert.Equal(-1, r.Timings.Ssl));

        var css = first.Requests.First(r => r.Kind == "stylesheet");
        Assert.True(css.BodyWireBytes < css.BodyDecodedBytes, "gzip over HTTP/2");
        Assert.Equal("MISS from test-site", css.Header("x-cache"));

        // The repeat view revalidates over the warm HTTP/2 connection: no new connection, 304s.
        var repeat = result.Views[1];
        Assert.DoesNotContain(repeat.Requests, r => r.NewConnection);
        Assert.Contains(repeat.Requests, r => r.Conditional && r.Status == 304 && r.HttpVersion == "HTTP/2.0");
        Assert.Single(dial.Dialled);

        // HAR: the protocol per request and the TLS phase.
        var har = HarBuilder.Build(first, "sjc", "test");
        Assert.All(har.Log.Entries, e => Assert.Equal("HTTP/2.0", e.Response.HttpVersion));
        Assert.Contains(har.Log.Entries, e => e.Timings.Ssl > 0);
    }

    [Fact]
    public async Task Https_site_speaking_only_http1_gets_up_to_six_tls_connections_each_with_its_handshake()
    {
        await using var site = await PageTestSite.StartAsync(certificate: TestCertificate.Value, protocols: HttpProtocols.Http1);
        var dial = new RecordingDial();

        var result = await Agent(dial).RunAsync(AgentTests.Job(site.Url, repeat: false), "node-1", CancellationToken.None);

        var view = Assert.Single(result.Views);
        Assert.All(view.Requests, r => Assert.True(r.Error is null && r.HttpVersion == "HTTP/1.1", $"{r.Url}: {r.HttpVersion} {r.Error}"));
        var opened = view.Requests.Where(r => r.NewConnection).ToList();
        Assert.InRange(opened.Count, 2, 6);
        Assert.All(opened, r => Assert.True(r.Timings.Ssl > 0 && r.Tls!.Alpn == "http/1.1", $"{r.Url}: ssl {r.Timings.Ssl}"));
        Assert.Equal(opened.Count, dial.Dialled.Count);
    }

    [Fact]
    public async Task Untrusted_certificate_is_reported_as_the_requests_error()
    {
        await using var site = await PageTestSite.StartAsync(certificate: TestCertificate.Value);

        var result = await Agent(new RecordingDial(), trustTestCertificate: false).RunAsync(AgentTests.Job(site.Url, repeat: false), "node-1", CancellationToken.None);

        var document = Assert.Single(Assert.Single(result.Views).Requests);
        Assert.NotNull(document.Error);
        Assert.Contains("certificate", document.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(site.Requests);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://10.0.0.5/", "private")]
    [InlineData("http://internal.test/", "private")]
    [InlineData("http://[::1]:9/", "loopback")]
    public async Task Redirect_to_a_forbidden_address_is_refused_by_the_guard_and_never_dialled(string location, string category)
    {
        await using var site = await PageTestSite.StartAsync();
        site.RedirectsTo["/away"] = location;
        var dial = new RecordingDial();

        // internal.test resolves to a private address (a name rebound to the inside).
        TargetResolver resolver = (host, _) => new ValueTask<IPAddress[]>(host == "internal.test" ? [IPAddress.Parse("10.9.8.7")] : [IPAddress.Loopback]);
        var agent = new PageCheckAgent(
            () => null,
            () => NetworkTargetGuard.Strict,
            new PageCheckAgentOptions { TestAllowedNetworks = [IPNetwork.Parse("127.0.0.0/8")], Dial = dial.DialAsync, Resolver = resolver },
            TimeProvider.System,
            NullLogger.Instance);

        var result = await agent.RunAsync(AgentTests.Job(new Uri(site.Url, "/away"), repeat: false), "node-1", CancellationToken.None);

        var requests = Assert.Single(result.Views).Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(302, requests[0].Status);
        Assert.Equal(new Uri(location).AbsoluteUri, requests[0].RedirectUrl);
        Assert.NotNull(requests[1].Error);
        Assert.Contains("refused by the target guard", requests[1].Error, StringComparison.Ordinal);
        Assert.Contains(category, requests[1].Error, StringComparison.Ordinal);
        Assert.All(dial.Dialled, e => Assert.Equal(IPAddress.Loopback, e.Address));
        Assert.All(dial.Dialled, e => Assert.Equal(site.Port, e.Port));
    }

    [Fact]
    public async Task Origin_that_accepts_and_never_answers_times_out_with_every_request_reported()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var held = new ConcurrentBag<Socket>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                held.Add(await listener.AcceptSocketAsync(stop.Token));
            }
        });
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        var limits = PageCheckLimits.Default with { Timeout = TimeSpan.FromSeconds(1) };
        var watch = Stopwatch.StartNew();

        var result = await Agent(new RecordingDial(), limits: limits).RunAsync(AgentTests.Job(url, limits: limits), "node-1", CancellationToken.None);

        watch.Stop();
        await stop.CancelAsync();
        foreach (var s in held)
        {
            s.Dispose();
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => accepting);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(6), $"took {watch.Elapsed}");
        Assert.Contains("Timed out", result.Error, StringComparison.Ordinal);
        var view = Assert.Single(result.Views);
        Assert.Contains("Timed out", view.Error, StringComparison.Ordinal);
        var document = Assert.Single(view.Requests);
        Assert.Equal("timed out", document.Error);
        Assert.True(document.Timings.Total >= 900, $"the document waited {document.Timings.Total} ms");
        Assert.Single(held);
    }
}
