using Speedera.Core.Configuration;
using Speedera.Core.Geo;
using Speedera.Web.Features.Gtm.Policy;

namespace Speedera.Tests.Unit.Web;

public class RegionMapTests
{
    private static readonly GeoCountry[] Countries =
    [
        new("", "", double.NaN, double.NaN, "Unknown"),
        new("GB", "EU", 54, -2, "United Kingdom"),
        new("FR", "EU", 46, 2, "France"),
        new("US", "NA", 39, -98, "United States"),
        new("JP", "AS", 36, 138, "Japan"),
        new("BR", "SA", -10, -55, "Brazil"),
    ];

    private static readonly RegionMapPop[] Pops = [new("lhr", "London", 51.5, -0.13), new("iad", "Ashburn", 39.04, -77.49), new("nrt", "Tokyo", 35.7, 139.7)];

    private static Dictionary<string, CountryRoute> Routes(GtmPolicy policy) =>
        RegionMap.Routes(policy, Countries, Pops).ToDictionary(r => r.Country);

    [Fact]
    public void A_country_rule_beats_its_continent_and_the_default_takes_the_rest()
    {
        var routes = Routes(new GtmPolicy(
            [new RegionRuleInput(RegionKind.Continent, "EU", ["192.0.2.1", "pop:iad"]), new RegionRuleInput(RegionKind.Country, "fr", ["pop:lhr"])],
            ["192.0.2.9"], false, []));

        Assert.DoesNotContain("", routes.Keys);
        Assert.Equal(("192.0.2.1", "continent rule EU"), (routes["GB"].Target, routes["GB"].How));
        Assert.Equal(("pop:lhr", "country rule FR"), (routes["FR"].Target, routes["FR"].How));
        Assert.Equal(("192.0.2.9", "default"), (routes["JP"].Target, routes["JP"].How));
    }

    [Fact]
    public void Without_rules_countries_stay_uncoloured_unless_geoproximity_sends_them_to_the_nearest_pop_after_bias()
    {
        Assert.All(Routes(GtmPolicy.Empty).Values, r => Assert.Null(r.Target));

        var plain = Routes(new GtmPolicy([], [], true, []));
        Assert.Equal(("pop:lhr", "pop:iad", "pop:nrt", "pop:iad"), (plain["FR"].Target, plain["US"].Target, plain["JP"].Target, plain["BR"].Target));

        // A strong London bias pulls Brazil (about 7,500 km from Ashburn and 9,000 km from London) across the boundary.
        var biased = Routes(new GtmPolicy([], [], true, [new PopBiasInput("lhr", 60)]));
        Assert.Equal("pop:lhr", biased["BR"].Target);
    }

    [Fact]
    public void Colours_follow_the_targets_order_and_the_legend_counts_countries()
    {
        string[] order = ["192.0.2.1", "192.0.2.9", "pop:lhr"];
        var routes = RegionMap.Routes(new GtmPolicy([new RegionRuleInput(RegionKind.Continent, "EU", ["192.0.2.1"])], ["pop:lhr"], false, []), Countries, Pops);
        var legend = RegionMap.Legend(routes, order);

        Assert.Equal([("pop:lhr", RegionMap.Palette[2], 3), ("192.0.2.1", RegionMap.Palette[0], 2)], legend.Select(l => (l.Target, l.Color, l.Countries)));
    }
}
