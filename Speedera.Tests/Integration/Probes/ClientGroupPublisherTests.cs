using System.Net;
using System.Security.Cryptography;
using Speedera.Core.Configuration;
using Speedera.Core.Gtm;
using Speedera.Core.Probes;
using Speedera.Edge.LoadP;
using Speedera.Edge.Probe;

namespace Speedera.Tests.Integration.Probes;

public class ClientGroupPublisherTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task Seen_groups_are_drained_and_sent_to_every_latency_probe()
    {
        var received = new List<(string Dns, ClientSighting Sighting)>();
        var sink = new GroupSink(received);
        await using var probeA = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), Key, null, sink);
        await using var probeB = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), Key, null, sink);
        await probeA.StartAsync(CancellationToken.None);
        await probeB.StartAsync(CancellationToken.None);
        var config = ProbeTestConfig.Build(
            [],
            [new EdgeNode("probe-a", "pop-a", NodeRoles.Probe, null, probeA.LocalEndpoint.ToString(), null, null),
             new EdgeNode("probe-b", "pop-b", NodeRoles.Probe, null, probeB.LocalEndpoint.ToString(), null, null)],
            new Dictionary<string, IReadOnlyList<string>>(),
            latencyProbeNodes: new Dictionary<string, IReadOnlyList<string>> { ["pop-a"] = ["probe-a"], ["pop-b"] = ["probe-b"] });
        var tracker = new ClientGroupTracker();
        var client = ClientAddress.FromIPAddress(IPAddress.Parse("198.51.100.7"));
        tracker.Record(ClientGroup.Of(client, 24), client, needsLatency: true, DateTimeOffset.UtcNow);
        tracker.Record(ClientGroup.Of(client, 24), client, needsLatency: true, DateTimeOffset.UtcNow);
        using var sender = new MetricExchangeSender("dns-1", Key);
        var publisher = new ClientGroupPublisher(tracker, () => config, sender);

        Assert.Equal(1, await publisher.PublishOnceAsync(CancellationToken.None));
        await ServiceTesterTests.WaitFor(() =>
        {
            lock (received)
            {
                return received.Count == 2;
            }
        });
        lock (received)
        {
            Assert.All(received, r => Assert.Equal(("dns-1", new ClientSighting("198.51.100.0/24", "198.51.100.7", 2)), r));
        }

        Assert.Equal(0, tracker.Count);
        Assert.Equal(0, await publisher.PublishOnceAsync(CancellationToken.None));
    }

    private sealed class GroupSink(List<(string, ClientSighting)> received) : IClientGroupSink
    {
        public void ApplyClientGroups(string dnsNodeId, IReadOnlyList<ClientSighting> sightings)
        {
            lock (received)
            {
                received.AddRange(sightings.Select(s => (dnsNodeId, s)));
            }
        }
    }
}

public class ProcLoadReaderTests
{
    [Fact]
    public void This_machines_proc_files_parse()
    {
        var figures = ProcLoadReader.Read();
        Assert.NotNull(figures);
        Assert.True(figures.MemoryTotalBytes > 0);
        Assert.True(figures.TotalTasks > 0);
    }
}
