using System.Net;
using System.Net.Sockets;
using Speedera.Core.Configuration;
using Speedera.Core.Dns;
using Speedera.Tests.Integration.ConfigPush;
using Speedera.Tests.Support;
using Speedera.Tests.Unit.Configuration;
using Speedera.Tests.Unit.Dns;

namespace Speedera.Tests.Integration.Metrics;

/// <summary>A real edge node (its own process, dns and cache roles) scraped on its status listener's <c>/metrics</c>.</summary>
public sealed class EdgeMetricsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("speedera-edgemetrics-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Dns_and_cache_series_move_after_real_queries_and_requests()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var file = Path.Combine(_dir, "config.json");
        await File.WriteAllBytesAsync(file, SignedConfiguration.Sign(SampleConfiguration.Create(3), key).ToJsonBytes());
        int dnsPort = ControlPlaneHost.FreePort(), cachePort = ControlPlaneHost.FreePort(), exchangePort = ControlPlaneHost.FreePort();
        await using var node = EdgeNodeProcess.StartFromFile("node-sjc-1", ConfigurationKeys.ExportPublicKeyBase64(key), file, Path.Combine(_dir, "data"),
            "--roles", "dns,cache", "--dns-listen", $"127.0.0.1:{dnsPort}", "--cache-listen", $"127.0.0.1:{cachePort}", "--metrics-listen", $"127.0.0.1:{exchangePort}");
        await node.WaitForAsync(s => s.RunningVersion == 3 && s.Health.All(r => r.Status == "Healthy"), TimeSpan.FromSeconds(60), "both roles serving version 3");
        var before = await node.MetricsAsync();

        using (var udp = new UdpClient(AddressFamily.InterNetwork))
        {
            udp.Connect(IPAddress.Loopback, dnsPort);
            // 150 answers stay under the response rate limit (200 a second per client).
            for (ushort id = 0; id < 150; id++)
            {
                var name = (id % 3) switch { 0 => "track.gtm.example.com", 1 => "www.speedera.net", _ => "elsewhere.example.org" };
                await udp.SendAsync(DnsTestMessages.Query(name, DnsRecordType.A, id: id));
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await udp.ReceiveAsync(cts.Token);
            }
        }

        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{cachePort}") })
        {
            for (var i = 0; i < 5; i++)
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{cachePort}/nothing-{i}");
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }
        }

        var after = await node.MetricsAsync();
        Assert.Equal(150, PrometheusText.Sum(after, "speedera_dns_queries_total") - PrometheusText.Sum(before, "speedera_dns_queries_total"));
        Assert.Equal(100, PrometheusText.Sum(after, "speedera_dns_responses_total", "dns_rcode=\"NOERROR\"") - PrometheusText.Sum(before, "speedera_dns_responses_total", "dns_rcode=\"NOERROR\""));
        Assert.Equal(50, PrometheusText.Sum(after, "speedera_dns_responses_total", "dns_rcode=\"REFUSED\"") - PrometheusText.Sum(before, "speedera_dns_responses_total", "dns_rcode=\"REFUSED\""));
        Assert.Equal(50, PrometheusText.Sum(after, "speedera_dns_decisions_total") - PrometheusText.Sum(before, "speedera_dns_decisions_total"));
        Assert.True(PrometheusText.Sum(after, "speedera_dns_duration_seconds_count") > PrometheusText.Sum(before, "speedera_dns_duration_seconds_count"), "no query was timed");

        Assert.Equal(5, PrometheusText.Sum(after, "speedera_cache_requests_total") - PrometheusText.Sum(before, "speedera_cache_requests_total"));
        Assert.Equal(5, PrometheusText.Sum(after, "speedera_cache_responses_total", "http_response_status_class=\"4xx\"") - PrometheusText.Sum(before, "speedera_cache_responses_total", "http_response_status_class=\"4xx\""));
        Assert.Equal(5, PrometheusText.Sum(after, "speedera_cache_lookups_total", "cache_result=\"miss\"") - PrometheusText.Sum(before, "speedera_cache_lookups_total", "cache_result=\"miss\""));
        Assert.True(PrometheusText.Sum(after, "speedera_cache_sent_bytes_total") > PrometheusText.Sum(before, "speedera_cache_sent_bytes_total"), "no bytes counted");
        Assert.True(PrometheusText.Has(after, "speedera_upload_spool_depth"), after);
    }
}
