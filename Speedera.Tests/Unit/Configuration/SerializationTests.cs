using System.Text;
using Speedera.Core.Configuration;

namespace Speedera.Tests.Unit.Configuration;

public class SerializationTests
{
    [Fact]
    public void Same_content_gives_the_same_bytes_whatever_the_list_order()
    {
        var a = SampleConfiguration.Create();
        var b = a with
        {
            Pops = [.. a.Pops.Reverse()],
            Servers = [.. a.Servers.Reverse().Select(s => s with { Services = [.. s.Services.Reverse()] })],
            Hostnames = [.. a.Hostnames.Reverse().Select(h => h with { Candidates = [.. h.Candidates.Reverse()] })],
            Zones = [.. a.Zones.Reverse()],
            Nodes = [.. a.Nodes.Reverse()],
            Probes = a.Probes with
            {
                ServiceProbeNodes = new Dictionary<string, IReadOnlyList<string>> { ["ams"] = ["node-ams-1"], ["sjc"] = ["node-sjc-1"] },
            },
        };

        Assert.Equal(NetworkConfigurationSerializer.Serialize(a), NetworkConfigurationSerializer.Serialize(b));
    }

    [Fact]
    public void Same_instant_in_another_offset_gives_the_same_bytes()
    {
        var a = SampleConfiguration.Create();
        var b = a with { GeneratedAt = a.GeneratedAt.ToOffset(TimeSpan.FromHours(5)) };
        Assert.Equal(NetworkConfigurationSerializer.Serialize(a), NetworkConfigurationSerializer.Serialize(b));
    }

    [Fact]
    public void Round_trip_gives_identical_bytes()
    {
        var bytes = NetworkConfigurationSerializer.Serialize(SampleConfiguration.Create());
        var again = NetworkConfigurationSerializer.Serialize(NetworkConfigurationSerializer.Deserialize(bytes));
        Assert.Equal(bytes, again);
    }

    [Fact]
    public void Round_trip_keeps_values()
    {
        var original = SampleConfiguration.Create();
        var back = NetworkConfigurationSerializer.Deserialize(NetworkConfigurationSerializer.Serialize(original));

        Assert.Equal(original.Version, back.Version);
        Assert.Equal(original.GeneratedAt, back.GeneratedAt);
        var host = Assert.Single(back.Hostnames, h => h.Name == "track.gtm.example.com");
        Assert.Equal(TimeSpan.FromSeconds(30), host.Ttl);
        Assert.True(host.Persistence.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(10), host.Persistence.AccessTimeout);
        Assert.Contains(host.Candidates, c => c.ServerId == "cust-a-2" && c.HiddenFailover);
        Assert.Equal([LatencyMethod.Icmp, LatencyMethod.DnsPtr, LatencyMethod.UdpHighPort], back.Probes.LatencyMethods);
        Assert.Equal(NodeRoles.Dns | NodeRoles.Probe | NodeRoles.Cache, back.Nodes.Single(n => n.Id == "node-sjc-1").Roles);
        Assert.Equal(["node-sjc-1"], back.Probes.LatencyProbeNodes["sjc"]);
    }

    [Fact]
    public void Latency_method_order_is_kept_because_it_is_the_order_they_are_tried_in()
    {
        var a = SampleConfiguration.Create();
        var b = a with { Probes = a.Probes with { LatencyMethods = [LatencyMethod.UdpHighPort, LatencyMethod.Icmp] } };
        Assert.NotEqual(NetworkConfigurationSerializer.Serialize(a), NetworkConfigurationSerializer.Serialize(b));
        Assert.Equal([LatencyMethod.UdpHighPort, LatencyMethod.Icmp],
            NetworkConfigurationSerializer.Deserialize(NetworkConfigurationSerializer.Serialize(b)).Probes.LatencyMethods);
    }

    [Theory]
    [InlineData(30, "30")]
    [InlineData(0.5, "0.5")]
    [InlineData(0.0000001, "0.0000001")]
    [InlineData(86400, "86400")]
    public void Durations_are_written_as_seconds(double seconds, string expected)
    {
        var a = SampleConfiguration.Create();
        var ttl = TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
        var b = a with { Hostnames = [a.Hostnames[0] with { Ttl = ttl }] };
        var json = Encoding.UTF8.GetString(NetworkConfigurationSerializer.Serialize(b));
        Assert.Contains($"\"ttl\":{expected},", json, StringComparison.Ordinal);
        Assert.Equal(ttl, NetworkConfigurationSerializer.Deserialize(Encoding.UTF8.GetBytes(json)).Hostnames[0].Ttl);
    }

    [Fact]
    public void Enums_are_written_as_names()
    {
        var json = Encoding.UTF8.GetString(NetworkConfigurationSerializer.Serialize(SampleConfiguration.Create()));
        Assert.Contains("\"type\":\"Http\"", json, StringComparison.Ordinal);
        Assert.Contains("\"generatedAt\":\"2026-11-22T01:02:03.0000000Z\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Content_hash_ignores_version_and_generation_time_but_not_content()
    {
        var a = SampleConfiguration.Create(version: 1);
        var b = a with { Version = 2, GeneratedAt = a.GeneratedAt.AddHours(1) };
        var c = b with { Hostnames = [b.Hostnames[0] with { Ttl = TimeSpan.FromSeconds(21) }, b.Hostnames[1]] };

        Assert.Equal(NetworkConfigurationSerializer.ComputeContentHash(a), NetworkConfigurationSerializer.ComputeContentHash(b));
        Assert.NotEqual(NetworkConfigurationSerializer.ComputeContentHash(b), NetworkConfigurationSerializer.ComputeContentHash(c));
    }

    [Fact]
    public void Hash_is_lower_case_hex_sha256()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", NetworkConfigurationSerializer.ComputeHash([]));
    }
}
