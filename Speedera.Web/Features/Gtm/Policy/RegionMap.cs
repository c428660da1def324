using Speedera.Core.Configuration;
using Speedera.Core.Geo;

namespace Speedera.Web.Features.Gtm.Policy;

/// <summary>Where one country's clients go under a policy, with every address up: the first target of the rule that covers it.</summary>
/// <param name="Target">An address or "pop:" id; null when nothing narrows the choice (all addresses, by latency, load and weights).</param>
public sealed record CountryRoute(string Country, string Name, string? Target, string How);

/// <summary>A colour of the region map's legend: one target and how many countries it gets.</summary>
public sealed record RegionMapLegendEntry(string Target, string Color, int Countries);

/// <summary>A POP of the hostname on the map.</summary>
public sealed record RegionMapPop(string Id, string Name, double Latitude, double Longitude);

/// <summary>
/// The region map: each country's destination under a (pending) policy, resolved the way the engine resolves a
/// client placed in that country (country rule, then continent rule, then the default; without any, the nearest
/// POP after its bias when geoproximity is on, from the same country point the engine uses). Health is left out:
/// the map shows where the rules send clients while everything is up; what-if shows failures.
/// </summary>
public static class RegionMap
{
    /// <summary>Ten colours told apart in light and dark themes (Tableau 10).</summary>
    public static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    public static IReadOnlyList<CountryRoute> Routes(GtmPolicy policy, IReadOnlyList<GeoCountry> countries, IReadOnlyList<RegionMapPop> pops)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(countries);
        var byCountry = new Dictionary<string, RegionRuleInput>(StringComparer.Ordinal);
        var byContinent = new Dictionary<string, RegionRuleInput>(StringComparer.Ordinal);
        foreach (var rule in policy.Rules)
        {
            var code = (rule.Code ?? "").Trim().ToUpperInvariant();
            if (rule.Targets.Count == 0 || code.Length == 0)
            {
                continue;
            }

            var map = rule.Kind switch
            {
                RegionKind.Country => byCountry,
                RegionKind.Continent => byContinent,
                _ => null,
            };
            map?.TryAdd(code, rule);
        }

        var routes = new List<CountryRoute>();
        foreach (var c in countries)
        {
            if (c.Code.Length == 0)
            {
                continue;
            }

            if (byCountry.TryGetValue(c.Code, out var rule))
            {
                routes.Add(new CountryRoute(c.Code, c.Name, rule.Targets[0], $"country rule {c.Code}"));
            }
            else if (byContinent.TryGetValue(c.Continent, out rule))
            {
                routes.Add(new CountryRoute(c.Code, c.Name, rule.Targets[0], $"continent rule {c.Continent}"));
            }
            else if (policy.Default.Count > 0)
            {
                routes.Add(new CountryRoute(c.Code, c.Name, policy.Default[0], "default"));
            }
            else if (policy.Geoproximity && c.HasCoordinates && Nearest(c, pops, policy.Biases) is { } pop)
            {
                routes.Add(new CountryRoute(c.Code, c.Name, RegionRouting.PopPrefix + pop, "nearest POP (geoproximity)"));
            }
            else
            {
                routes.Add(new CountryRoute(c.Code, c.Name, null, "no rule: all addresses, by latency, load and weights"));
            }
        }

        return routes;
    }

    /// <summary>A stable colour per target: its position among the hostname's targets (addresses, then POPs).</summary>
    public static string ColorOf(string target, IReadOnlyList<string> targetOrder)
    {
        ArgumentNullException.ThrowIfNull(targetOrder);
        var index = 0;
        for (; index < targetOrder.Count; index++)
        {
            if (string.Equals(targetOrder[index], target, StringComparison.Ordinal))
            {
                break;
            }
        }

        return Palette[index % Palette.Length];
    }

    public static IReadOnlyList<RegionMapLegendEntry> Legend(IReadOnlyList<CountryRoute> routes, IReadOnlyList<string> targetOrder) =>
        [.. routes.Where(r => r.Target is not null)
            .GroupBy(r => r.Target!, StringComparer.Ordinal)
            .Select(g => new RegionMapLegendEntry(g.Key, ColorOf(g.Key, targetOrder), g.Count()))
            .OrderByDescending(e => e.Countries)
            .ThenBy(e => e.Target, StringComparer.Ordinal)];

    private static string? Nearest(GeoCountry country, IReadOnlyList<RegionMapPop> pops, IReadOnlyList<PopBiasInput> biases)
    {
        string? best = null;
        var bestDistance = double.MaxValue;
        foreach (var p in pops)
        {
            var bias = biases.FirstOrDefault(b => b.PopId == p.Id)?.Bias ?? 0;
            var d = GeoDistance.Biased(GeoDistance.Kilometres(country.Latitude, country.Longitude, p.Latitude, p.Longitude), bias);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = p.Id;
            }
        }

        return best;
    }
}
