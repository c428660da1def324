using Speedera.Core.Configuration;

namespace Speedera.Tests.Unit.Configuration;

public class DiffTests
{
    [Fact]
    public void Summary_names_added_removed_and_changed_items()
    {
        var before = SampleConfiguration.Create(1);
        var after = before with
        {
            Version = 2,
            Hostnames = [before.Hostnames[0] with { Ttl = TimeSpan.FromSeconds(60) }],
            Pops = [.. before.Pops, new Pop("lhr", "London", "London", "GB", 51.5, -0.1, "net-c")],
        };

        Assert.Equal("POPs +1 (lhr); hostnames -1 (track.gtm.example.com), ~1 (customer.speedera.net)", NetworkConfigurationDiff.Summarize(before, after));
    }

    [Fact]
    public void Reordered_lists_and_new_version_are_no_change()
    {
        var before = SampleConfiguration.Create(1);
        var after = before with
        {
            Version = 2,
            Hostnames = [.. before.Hostnames.Reverse().Select(h => h with { Candidates = [.. h.Candidates.Reverse()] })],
            Zones = [.. before.Zones.Select(z => z with { Soa = z.Soa with { Serial = 99 } })],
        };
        Assert.Equal("no change", NetworkConfigurationDiff.Summarize(before, after));
        Assert.Equal(NetworkConfigurationSerializer.ComputeContentHash(before), NetworkConfigurationSerializer.ComputeContentHash(after));
    }

    [Fact]
    public void First_version_lists_everything_as_added()
    {
        var summary = NetworkConfigurationDiff.Summarize(null, SampleConfiguration.Create(1));
        Assert.StartsWith("POPs +2 (ams, sjc); servers +4 (ams-edge-1, cust-a-1, cust-a-2, +1 more)", summary, StringComparison.Ordinal);
        Assert.EndsWith("probe settings changed", summary, StringComparison.Ordinal);
    }
}
