using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;
using Speedera.Edge.Probe;
using Speedera.Tests.Unit.Probes;

namespace Speedera.Tests.Integration.Probes;

public class LatencyProbeTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    [RawSocketFact]
    public async Task Icmp_echo_to_loopback_is_full_data()
    {
        var result = await LatencyProber.IcmpEchoAsync(IPAddress.Loopback, Timeout, CancellationToken.None);
        Assert.NotNull(result);
        Assert.Equal(LatencyQuality.Full, result.Quality);
        Assert.Equal(LatencyMethodUsed.Icmp, result.Method);
        Assert.InRange(result.RoundTrip, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Tcp_connect_measures_an_open_port_and_a_refused_port()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var open = await LatencyProber.TcpConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port, Timeout, CancellationToken.None);
        var refused = await LatencyProber.TcpConnectAsync(IPAddress.Loopback, VsftpdServer.FreeTcpPort(), Timeout, CancellationToken.None);
        Assert.Equal(LatencyQuality.Full, open!.Quality);
        Assert.Equal(LatencyQuality.Full, refused!.Quality);
    }

    [Fact]
    public void Ptr_query_asks_for_the_reverse_name_of_the_client()
    {
        var query = LatencyProber.BuildPtrQuery(IPAddress.Parse("192.0.2.10"), 0x1234);
        Assert.Equal(0x12, query[0]);
        Assert.Contains("\u000210\u00012\u00010\u0003192\u0007in-addr\u0004arpa\0", System.Text.Encoding.ASCII.GetString(query), StringComparison.Ordinal);
        Assert.Equal(new byte[] { 0, 12, 0, 1 }, query[^4..]);
    }

    [Fact]
    public async Task Ptr_query_to_a_host_without_dns_counts_the_port_unreachable_reply()
    {
        // Nothing listens on 127.0.0.1:53 here unless a resolver does; either way the host answers.
        var result = await LatencyProber.DnsPtrAsync(IPAddress.Loopback, Timeout, CancellationToken.None);
        Assert.NotNull(result);
        Assert.Equal(LatencyQuality.Full, result.Quality);
    }

    [RawSocketFact]
    public async Task Udp_to_port_33434_on_loopback_draws_port_unreachable_and_is_full_data()
    {
        var reply = await LatencyProber.UdpWithTtlAsync(IPAddress.Loopback, 64, Timeout, CancellationToken.None);
        Assert.NotNull(reply);
        Assert.True(reply.ReachedTarget);

        var result = await new LatencyProber().ProbeAsync(IPAddress.Loopback, [LatencyMethod.UdpHighPort], Timeout, CancellationToken.None);
        Assert.Equal(LatencyMethodUsed.UdpHighPort, result!.Method);
        Assert.Equal(LatencyQuality.Full, result.Quality);
    }

    [Fact]
    public async Task Methods_are_tried_in_the_configured_order()
    {
        var result = await new LatencyProber().ProbeAsync(IPAddress.Loopback, [LatencyMethod.TcpDns, LatencyMethod.Icmp], Timeout, CancellationToken.None);
        Assert.Equal(LatencyMethodUsed.TcpDns, result!.Method);
    }

    [RawSocketFact]
    public async Task Latency_probe_host_learns_groups_from_dns_probes_them_and_pushes_measurements()
    {
        var dnsSink = new ReplayGuardTests.RecordingSink();
        await using var dnsReceiver = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), Key, dnsSink, null);
        await dnsReceiver.StartAsync(CancellationToken.None);
        var dataDir = Directory.CreateTempSubdirectory("speedera-latency-host-");
        try
        {
            var config = ProbeTestConfig.Build(
                [],
                [new EdgeNode("dns-1", "pop-a", NodeRoles.Dns, null, dnsReceiver.LocalEndpoint.ToString(), null, null)],
                new Dictionary<string, IReadOnlyList<string>>(),
                latencyProbeNodes: new Dictionary<string, IReadOnlyList<string>> { ["pop-a"] = ["probe-a"] });
            using var probeSender = new MetricExchangeSender("probe-a", Key);
            var host = new LatencyProbeHost("probe-a", () => config, probeSender, options: new LatencyProbeOptions { DataDirectory = dataDir.FullName });
            await using var probeReceiver = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), Key, null, host);
            await probeReceiver.StartAsync(CancellationToken.None);
            await host.StartAsync(CancellationToken.None);

            // The dns node reports the clients it has seen through the exchange (ClientGroups).
            using var dnsSender = new MetricExchangeSender("dns-1", Key);
            await dnsSender.SendClientGroupsAsync([new ClientSighting("127.0.0.0/24", "127.0.0.1", 5)], [probeReceiver.LocalEndpoint], CancellationToken.None);

            await ServiceTesterTests.WaitFor(() => dnsSink.SnapshotLatency().Length > 0);
            var m = dnsSink.SnapshotLatency()[0];
            Assert.Equal("pop-a", m.PopId);
            Assert.Equal("127.0.0.0/24", m.ClientGroup);
            Assert.Equal(LatencyQuality.Full, m.Quality);
            Assert.Equal("probe-a", m.ProbeNodeId);
            Assert.Equal(1, host.Tables["pop-a"].Count);
            await host.StopAsync();

            // Saved on stop; a new host starts with the row and does not re-probe it while fresh.
            var saved = LatencyTableFile.Load(Path.Combine(dataDir.FullName, LatencyProbeHost.TableFileName("pop-a")));
            Assert.Equal("127.0.0.0/24", Assert.Single(saved).ClientGroup);
            var restarted = new LatencyProbeHost("probe-a", () => config, probeSender, options: new LatencyProbeOptions { DataDirectory = dataDir.FullName });
            await restarted.StartAsync(CancellationToken.None);
            Assert.Equal(1, restarted.Tables["pop-a"].Count);
            Assert.Empty(restarted.Tables["pop-a"].TakeDue(10));
            await restarted.StopAsync();
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }
}
