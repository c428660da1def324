using Speedera.Core.Configuration;

namespace Speedera.Tests.Integration.Probes;

/// <summary>Builds small network configurations for probe tests.</summary>
internal static class ProbeTestConfig
{
    public static ServiceCheck Check(string id, ServiceType type, int port, TimeSpan? interval = null, TimeSpan? timeout = null, string? path = "/", string? expectedContent = null, int expectedStatus = 200, string? host = null) =>
        new(id, type, port, path, host, expectedStatus, expectedContent, interval ?? TimeSpan.FromMilliseconds(200), timeout ?? TimeSpan.FromSeconds(2));

    public static NetworkConfiguration Build(
        IReadOnlyList<Server> servers,
        IReadOnlyList<EdgeNode> nodes,
        IReadOnlyDictionary<string, IReadOnlyList<string>> serviceProbeNodes,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? latencyProbeNodes = null,
        int sendSize = 1400,
        TimeSpan? sendInterval = null,
        TimeSpan? latencyStaleAfter = null,
        IReadOnlyList<LatencyMethod>? latencyMethods = null) => new()
        {
            Version = 1,
            AllowPrivateTargets = true,
            GeneratedAt = DateTimeOffset.UnixEpoch,
            Pops = servers.Select(s => s.PopId).Concat(nodes.Select(n => n.PopId)).Distinct()
                .Select(p => new Pop(p, p, "City", "ZZ", 0, 0, "net")).ToList(),
            Servers = servers,
            Nodes = nodes,
            Zones = [],
            Hostnames = [],
            Probes = new ProbeSettings(
                DefaultServiceInterval: TimeSpan.FromSeconds(1),
                DefaultServiceTimeout: TimeSpan.FromSeconds(2),
                SendSize: sendSize,
                SendInterval: sendInterval ?? TimeSpan.FromMilliseconds(100),
                MetricStaleAfter: TimeSpan.FromSeconds(5),
                LatencyStaleAfter: latencyStaleAfter ?? TimeSpan.FromMinutes(5),
                LatencyTimeout: TimeSpan.FromSeconds(1),
                LatencyMethods: latencyMethods ?? [LatencyMethod.Icmp, LatencyMethod.TcpDns, LatencyMethod.DnsPtr, LatencyMethod.UdpHighPort],
                ServiceProbeNodes: serviceProbeNodes,
                LatencyProbeNodes: latencyProbeNodes ?? new Dictionary<string, IReadOnlyList<string>>()),
        };
}
