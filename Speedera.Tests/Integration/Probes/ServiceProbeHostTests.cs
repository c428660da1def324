using System.Net;
using System.Security.Cryptography;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;
using Speedera.Edge.Probe;
using Speedera.Tests.Support;
using Speedera.Tests.Unit.Probes;

namespace Speedera.Tests.Integration.Probes;

/// <summary>Probe host → UDP exchange → receiver → sink, on loopback.</summary>
public class ServiceProbeHostTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task Exchange_sender_reaches_receiver_and_sink_over_udp()
    {
        var sink = new ReplayGuardTests.RecordingSink();
        await using var receiver = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), Key, sink, null);
        await receiver.StartAsync(CancellationToken.None);
        using var sender = new MetricExchangeSender("probe-1", Key);
        var now = DateTimeOffset.UtcNow;
        var metrics = Enumerable.Range(0, 300).Select(i => new ServiceMetric(new ServiceKey($"srv-{i}", "http"), i, ProbeError.None, now, "probe-1")).ToList();
        var latency = new[] { new LatencyMeasurement("pop-1", "198.51.100.0/24", "198.51.100.1", TimeSpan.FromMilliseconds(12.5), LatencyQuality.Full, now, "probe-1") };

        await sender.SendServiceMetricsAsync(metrics, [receiver.LocalEndpoint], CancellationToken.None);
        await sender.SendLatencyAsync(latency, [receiver.LocalEndpoint], CancellationToken.None);

        await ServiceTesterTests.WaitFor(() => sink.SnapshotMetrics().Length == 300 && sink.SnapshotLatency().Length == 1);
        Assert.Equal(metrics.Select(m => m with { MeasuredAt = DateTimeOffset.FromUnixTimeMilliseconds(m.MeasuredAt.ToUnixTimeMilliseconds()) }), sink.SnapshotMetrics());
        Assert.Equal(TimeSpan.FromMilliseconds(12.5), sink.SnapshotLatency()[0].RoundTrip);
        Assert.Equal(0, receiver.Counters.RejectedTotal);
        Assert.True(sender.MessagesSent >= 3);
    }

    [Fact]
    public async Task Receiver_survives_garbage_and_wrong_key_datagrams_and_counts_them()
    {
        var sink = new ReplayGuardTests.RecordingSink();
        await using var receiver = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), Key, sink, null);
        await receiver.StartAsync(CancellationToken.None);
        using var udp = new System.Net.Sockets.UdpClient();
        var random = new Random(3);
        for (var i = 0; i < 200; i++)
        {
            var junk = new byte[random.Next(1, 2000)];
            random.NextBytes(junk);
            await udp.SendAsync(junk, receiver.LocalEndpoint);
        }

        using var intruder = new MetricExchangeSender("probe-x", RandomNumberGenerator.GetBytes(32));
        await intruder.SendServiceMetricsAsync([new ServiceMetric(new ServiceKey("s", "http"), 1, ProbeError.None, DateTimeOffset.UtcNow, "probe-x")], [receiver.LocalEndpoint], CancellationToken.None);
        using var good = new MetricExchangeSender("probe-1", Key);
        await good.SendServiceMetricsAsync([new ServiceMetric(new ServiceKey("s", "http"), 7, ProbeError.None, DateTimeOffset.UtcNow, "probe-1")], [receiver.LocalEndpoint], CancellationToken.None);

        await ServiceTesterTests.WaitFor(() => receiver.Counters.Accepted == 1 && receiver.Counters.RejectedTotal == 201);
        Assert.Equal(7, Assert.Single(sink.SnapshotMetrics()).Value);
        Assert.True(receiver.Counters.RejectedFor(ExchangeRejection.BadMac) >= 1);
    }

    [Fact]
    public async Task Host_probes_its_pops_only_and_pushes_batches_to_every_dns_node_and_the_control_plane()
    {
        await using var origin = await LoopbackOrigin.StartAsync();
        var sinkA = new ReplayGuardTests.RecordingSink();
        var sinkB = new ReplayGuardTests.RecordingSink();
        await using var dnsA = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), Key, sinkA, null);
        await using var dnsB = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), Key, sinkB, null);
        await dnsA.StartAsync(CancellationToken.None);
        await dnsB.StartAsync(CancellationToken.None);

        var servers = new[]
        {
            new Server("web-1", "pop-a", "127.0.0.1", ServerKind.Customer, [
                ProbeTestConfig.Check("http", ServiceType.Http, origin.HttpPort, expectedContent: "hello"),
                ProbeTestConfig.Check("https", ServiceType.Https, origin.HttpsPort),
                ProbeTestConfig.Check("none", ServiceType.NoLoad, 0)]),
            new Server("web-2", "pop-b", "127.0.0.1", ServerKind.Customer, [ProbeTestConfig.Check("http", ServiceType.Http, origin.HttpPort)]),
        };
        var nodes = new[]
        {
            new EdgeNode("dns-a", "pop-a", NodeRoles.Dns, null, dnsA.LocalEndpoint.ToString(), null, null),
            new EdgeNode("dns-b", "pop-b", NodeRoles.Dns, null, dnsB.LocalEndpoint.ToString(), null, null),
            new EdgeNode("probe-a", "pop-a", NodeRoles.Probe, null, null, null, null),
        };
        var config = ProbeTestConfig.Build(servers, nodes, new Dictionary<string, IReadOnlyList<string>> { ["pop-a"] = ["probe-a"], ["pop-b"] = ["probe-other"] });
        var uploaded = new List<ServiceMetric>();
        using var sender = new MetricExchangeSender("probe-a", Key);
        await using var host = new ServiceProbeHost("probe-a", () => config, sender, options: new ServiceProbeOptions
        {
            ServerCertificateValidation = (_, _, _, _) => true,
            ControlPlane = batch =>
            {
                lock (uploaded)
                {
                    uploaded.AddRange(batch);
                }
            },
        });
        await host.StartAsync(CancellationToken.None);

        await ServiceTesterTests.WaitFor(() => sinkA.SnapshotMetrics().Select(m => m.Key).Distinct().Count() == 3 && sinkB.SnapshotMetrics().Select(m => m.Key).Distinct().Count() == 3);
        // 200 ms interval: wait until each service was tested repeatedly.
        await Eventually.TrueAsync(() => sinkA.SnapshotMetrics().Count(m => m.Key == new ServiceKey("web-1", "http")) >= 3, "web-1/http was tested three times");
        await host.StopAsync();

        // The last batch may still be on its way over UDP when StopAsync returns.
        int uploadedCount;
        lock (uploaded)
        {
            uploadedCount = uploaded.Count;
        }

        await ServiceTesterTests.WaitFor(() => sinkA.SnapshotMetrics().Length == uploadedCount && sinkB.SnapshotMetrics().Length == uploadedCount);
        var received = sinkA.SnapshotMetrics();
        Assert.DoesNotContain(received, m => m.Key.ServerId == "web-2");
        Assert.All(received, m => Assert.Equal(ProbeError.None, m.Error));
        Assert.All(received, m => Assert.Equal("probe-a", m.ProbeNodeId));
        Assert.Contains(received, m => m.Key == new ServiceKey("web-1", "none") && m.Value == 1);

        Assert.True(received.Count(m => m.Key == new ServiceKey("web-1", "http")) >= 3);
        lock (uploaded)
        {
            // The wire carries milliseconds; compare what went to the control plane with what the dns node got.
            Assert.Equal(
                uploaded.Select(m => (m.Key.ServerId, m.Key.ServiceId, m.MeasuredAt.ToUnixTimeMilliseconds(), m.Value)).Order(),
                received.Select(m => (m.Key.ServerId, m.Key.ServiceId, m.MeasuredAt.ToUnixTimeMilliseconds(), m.Value)).Order());
        }
    }

    [Fact]
    public async Task Stopped_origin_is_reported_failed_within_one_interval_plus_send_interval()
    {
        var origin = await LoopbackOrigin.StartAsync();
        var sink = new ReplayGuardTests.RecordingSink();
        await using var dns = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), Key, sink, null);
        await dns.StartAsync(CancellationToken.None);
        var config = ProbeTestConfig.Build(
            [new Server("web-1", "pop-a", "127.0.0.1", ServerKind.Customer, [ProbeTestConfig.Check("http", ServiceType.Http, origin.HttpPort, interval: TimeSpan.FromMilliseconds(500))])],
            [new EdgeNode("dns-a", "pop-a", NodeRoles.Dns, null, dns.LocalEndpoint.ToString(), null, null)],
            new Dictionary<string, IReadOnlyList<string>> { ["pop-a"] = ["probe-a"] });
        using var sender = new MetricExchangeSender("probe-a", Key);
        await using var host = new ServiceProbeHost("probe-a", () => config, sender);
        await host.StartAsync(CancellationToken.None);
        await ServiceTesterTests.WaitFor(() => sink.SnapshotMetrics().Any(m => !m.Failed));

        var stoppedAt = DateTimeOffset.UtcNow;
        await origin.DisposeAsync();
        await ServiceTesterTests.WaitFor(() => sink.SnapshotMetrics().Any(m => m.Failed), TimeSpan.FromSeconds(5));
        var failure = sink.SnapshotMetrics().First(m => m.Failed);
        Assert.Equal(ServiceMetric.FailedValue, failure.Value);
        Assert.Equal(ProbeError.ConnectionRefused, failure.Error);
        Assert.True(DateTimeOffset.UtcNow - stoppedAt < TimeSpan.FromSeconds(2), "failure must arrive within interval (0.5 s) + send interval (0.1 s) + slack");
    }

    [Fact]
    public async Task A_batch_reaching_the_send_size_is_sent_before_the_send_interval()
    {
        var sink = new ReplayGuardTests.RecordingSink();
        await using var dns = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), Key, sink, null);
        await dns.StartAsync(CancellationToken.None);
        var checks = Enumerable.Range(0, 40).Select(i => ProbeTestConfig.Check($"n{i}", ServiceType.NoLoad, 0, interval: TimeSpan.FromHours(1))).ToList();
        var config = ProbeTestConfig.Build(
            [new Server("web-1", "pop-a", "127.0.0.1", ServerKind.Customer, checks)],
            [new EdgeNode("dns-a", "pop-a", NodeRoles.Dns, null, dns.LocalEndpoint.ToString(), null, null)],
            new Dictionary<string, IReadOnlyList<string>> { ["pop-a"] = ["probe-a"] },
            sendSize: 300,
            sendInterval: TimeSpan.FromHours(1));
        using var sender = new MetricExchangeSender("probe-a", Key);
        await using var host = new ServiceProbeHost("probe-a", () => config, sender);
        await host.StartAsync(CancellationToken.None);

        // Each NOLOAD entry is 23-24 bytes after 64 bytes of header and MAC: a 300-byte update
        // holds at most 10, so the first 30 results arrive in at least 3 messages, long before the
        // one-hour send interval (the last few wait for it).
        await ServiceTesterTests.WaitFor(() => sink.SnapshotMetrics().Length >= 30 && dns.Counters.Accepted >= 3);
        Assert.True(sender.MessagesSent >= 3, $"{sender.MessagesSent} messages");
    }
}
