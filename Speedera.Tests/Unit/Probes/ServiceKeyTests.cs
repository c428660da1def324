using System.Text.Json;
using Speedera.Core.Probes;
using Speedera.Core.Reports;

namespace Speedera.Tests.Unit.Probes;

/// <summary>ServiceKey keeps its hash with it; every way a key is made must leave hash and names in step.</summary>
public class ServiceKeyTests
{
    [Fact]
    public void A_key_read_back_from_an_edge_report_finds_the_same_metric()
    {
        var key = new ServiceKey("sjc-1", "http");
        var metric = new ServiceMetric(key, 42, ProbeError.None, DateTimeOffset.UnixEpoch, "probe-1");
        var json = JsonSerializer.Serialize([metric], EdgeReportJson.Default.ServiceMetricArray);
        var back = JsonSerializer.Deserialize(json, EdgeReportJson.Default.ServiceMetricArray)!.Single();

        Assert.Contains("\"serverId\":\"sjc-1\"", json, StringComparison.Ordinal);
        Assert.Equal("sjc-1", back.Key.ServerId);
        Assert.Equal("http", back.Key.ServiceId);
        Assert.Equal(key, back.Key);
        Assert.Equal(key.GetHashCode(), back.Key.GetHashCode());
        var table = new Dictionary<ServiceKey, int> { [key] = 1 };
        Assert.True(table.ContainsKey(back.Key));

        // Reflection-based serialization as well (what a caller without the context gets).
        var viaReflection = JsonSerializer.Deserialize<ServiceKey>(JsonSerializer.Serialize(key));
        Assert.Equal(key, viaReflection);
        Assert.True(table.ContainsKey(viaReflection));
    }

    [Fact]
    public void A_key_changed_with_with_hashes_as_a_new_key_and_copies_equal_only_when_the_names_do()
    {
        var key = new ServiceKey("sjc-1", "http");
        var other = key with { ServiceId = "ftp" };
        Assert.Equal(new ServiceKey("sjc-1", "ftp"), other);
        Assert.Equal(new ServiceKey("sjc-1", "ftp").GetHashCode(), other.GetHashCode());
        Assert.NotEqual(key, other);
        Assert.Equal(new ServiceKey(new string("sjc-1".AsSpan()), "http"), key);

        var (server, service) = other;
        Assert.Equal(("sjc-1", "ftp"), (server, service));
    }
}
