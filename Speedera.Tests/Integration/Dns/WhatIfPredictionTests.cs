using System.Text.RegularExpressions;
using Speedera.Core.Configuration;
using Speedera.Core.Gtm;
using Speedera.Tests.Support;
using Speedera.Tests.Unit.Gtm;

namespace Speedera.Tests.Integration.Dns;

/// <summary>
/// The what-if simulation predicts per client what the dns node will answer; after "publishing" the change
/// to a real server on loopback, dig with the same client subnets must get exactly those answers.
/// </summary>
public class WhatIfPredictionTests(RegionDnsServer fixture) : IClassFixture<RegionDnsServer>
{
    private static readonly Regex Answer = new(@"^track\.example\.test\.\s+20\s+IN\s+A\s+(\S+)\s*$", RegexOptions.Multiline);

    private static readonly string[] Subnets = ["193.0.6.0/24", "18.130.0.0/24", "130.208.0.0/16", "52.95.110.0/24", "1.1.1.0/24", "200.160.2.0/24"];

    private static NetworkConfiguration WithRules(RegionRouting regions, long version) =>
        RegionNetwork.Create(h => h.Name == RegionNetwork.Track ? h with { Regions = regions } : h) with { Version = version };

    private static readonly RegionRouting Before = new(
        [new RegionRule(RegionKind.Continent, "EU", ["lon1"]), new RegionRule(RegionKind.Country, "US", ["ash1"])], ["sjc1"]);

    private static readonly RegionRouting After = new(
        [new RegionRule(RegionKind.Continent, "EU", ["fra1", "lon1"]), new RegionRule(RegionKind.Country, "GB", ["lon1"]), new RegionRule(RegionKind.Country, "US", ["ash1"])], ["sin1"]);

    private static List<SimulatedClient> Clients() =>
    [
        .. Subnets.Select((s, i) =>
        {
            Assert.True(ClientGroup.TryParse(s, out var subnet));
            return new SimulatedClient(subnet, RegionNetwork.A("198.51.100.53"), 10 * (i + 1));
        }),
    ];

    [GeoDataFact]
    public async Task Predicted_answers_for_a_pending_policy_are_what_dig_gets_after_publishing()
    {
        var original = fixture.Server.Configuration!;
        var geo = new Core.Geo.GeoDataHolder(GeoData.Database);
        var before = WithRules(Before, original.Version + 1);
        var after = WithRules(After, original.Version + 2);
        var metrics = fixture.Server.State.Metrics;
        var result = GtmSimulator.WhatIf(GtmConfiguration.Build(before), metrics, GtmConfiguration.Build(after), metrics,
            RegionNetwork.Track, Clients(), geo, TimeProvider.System);

        // Europe but Britain moves from London to Frankfurt; the default moves from San Jose to Singapore.
        Assert.Equal(new[] { "1.1.1.0/24", "130.208.0.0/16", "193.0.6.0/24", "200.160.2.0/24" }, result.Changed.Select(c => c.Subnet).Order(StringComparer.Ordinal));
        Assert.Equal(10 + 30 + 50 + 60, result.ChangedQueries);
        Assert.Equal(210, result.Queries);
        Assert.Equal((110L, 0L), Share(result.Addresses, "10.1.0.5"));
        Assert.Equal((40L, 40L), Share(result.Addresses, "10.1.0.4"));
        Assert.Equal((0L, 40L), Share(result.Pops, "fra"));

        try
        {
            fixture.Server.Configuration = before;
            foreach (var c in Subnets)
            {
                Assert.Equal(Expected(result, c, before: true, before, metrics, geo), await DigAsync(c));
            }

            fixture.Server.Configuration = after;
            foreach (var c in Subnets)
            {
                Assert.Equal(Expected(result, c, before: false, after, metrics, geo), await DigAsync(c));
            }
        }
        finally
        {
            fixture.Server.Configuration = original;
        }
    }

    [GeoDataFact]
    public async Task Predicted_answers_when_a_pop_fails_are_what_dig_gets_when_it_does()
    {
        var original = fixture.Server.Configuration!;
        var geo = new Core.Geo.GeoDataHolder(GeoData.Database);
        var config = WithRules(Before, original.Version + 1);
        var plan = GtmConfiguration.Build(config);
        var metrics = fixture.Server.State.Metrics;
        var failing = GtmSimulator.WithFailures(metrics, plan, [], ["lhr"], DateTimeOffset.UtcNow + TimeSpan.FromHours(2));
        var result = GtmSimulator.WhatIf(plan, metrics, plan, failing, RegionNetwork.Track, Clients(), geo, TimeProvider.System);
        var dutch = Assert.Single(result.Changed, c => c.Subnet == "193.0.6.0/24");
        Assert.Equal(("10.1.0.1", "10.1.0.3", nameof(GtmReason.RegionNearest)), (dutch.Before, dutch.After, dutch.AfterReason));
        Assert.Equal(new[] { "130.208.0.0/16", "18.130.0.0/24", "193.0.6.0/24" }, result.Changed.Select(c => c.Subnet).Order(StringComparer.Ordinal));

        // Per country (the what-if map): the Dutch clients move from London to Frankfurt; Brazil stays where it was.
        Assert.Equal(new CountryShift("NL", 10, 10, "lhr", "fra"), Assert.Single(result.Countries!, c => c.Country == "NL"));
        var brazil = Assert.Single(result.Countries!, c => c.Country == "BR");
        Assert.Equal((60L, 0L), (brazil.Queries, brazil.MovedQueries));
        Assert.Equal(brazil.BeforePop, brazil.AfterPop);

        try
        {
            fixture.Server.Configuration = config;
            fixture.Fail("lon1", "lon2");
            foreach (var c in Subnets)
            {
                Assert.Equal(Expected(result, c, before: false, config, failing, geo), await DigAsync(c));
            }
        }
        finally
        {
            fixture.Healthy();
            fixture.Server.Configuration = original;
        }
    }

    private static (long Before, long After) Share(IReadOnlyList<AnswerShare> rows, string key) =>
        rows.SingleOrDefault(r => r.Key == key) is { } r ? (r.Before, r.After) : (0, 0);

    /// <summary>A changed client's predicted answer; an unchanged one's is the engine's answer for it (the same before and after).</summary>
    private static string Expected(WhatIfResult result, string subnet, bool before, NetworkConfiguration configuration, IGtmMetricsView metrics, Core.Geo.GeoDataHolder geo)
    {
        if (result.Changed.SingleOrDefault(c => c.Subnet == subnet) is { } changed)
        {
            return (before ? changed.Before : changed.After)!;
        }

        Assert.True(ClientGroup.TryParse(subnet, out var group));
        var client = new GtmClient(RegionNetwork.A("198.51.100.53"), true, new ClientAddress(group.IsV6, group.Prefix), group.Length);
        return Assert.Single(GtmSimulator.Explain(GtmConfiguration.Build(configuration), metrics, RegionNetwork.Track, in client, geo, TimeProvider.System).Answers);
    }

    private async Task<string> DigAsync(string subnet)
    {
        var output = await DnsTool.DigAsync(fixture.Server, RegionNetwork.Track, "A", $"+subnet={subnet}");
        var m = Answer.Match(output);
        Assert.True(m.Success, output);
        return m.Groups[1].Value;
    }
}
