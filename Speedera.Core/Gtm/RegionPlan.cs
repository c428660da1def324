using Speedera.Core.Configuration;
using Speedera.Core.Geo;

namespace Speedera.Core.Gtm;

/// <summary>A hostname's region rules and geoproximity settings compiled for lookups by region code.</summary>
public sealed class RegionPlan
{
    private readonly Dictionary<string, RegionRulePlan> _continents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RegionRulePlan> _countries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RegionRulePlan> _subdivisions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _bias = new(StringComparer.Ordinal);

    internal RegionPlan(RegionRouting? routing, Geoproximity? geoproximity)
    {
        foreach (var rule in routing?.Rules ?? [])
        {
            var plan = new RegionRulePlan($"{rule.Kind.ToString().ToLowerInvariant()} {rule.Code}", [.. rule.Targets.Select(RegionTargetPlan.Parse)]);
            var map = rule.Kind switch
            {
                RegionKind.Continent => _continents,
                RegionKind.Country => _countries,
                _ => _subdivisions,
            };
            map.TryAdd(rule.Code, plan);
        }

        HasRules = _continents.Count + _countries.Count + _subdivisions.Count > 0;
        if (routing is { Default.Count: > 0 })
        {
            Default = new RegionRulePlan("default", [.. routing.Default.Select(RegionTargetPlan.Parse)]);
        }

        GeoproximityEnabled = geoproximity?.Enabled ?? false;
        foreach (var b in geoproximity?.Biases ?? [])
        {
            _bias[b.PopId] = b.Bias;
        }
    }

    public bool HasRules { get; }

    /// <summary>Where clients no rule covers go; null means "all candidates".</summary>
    public RegionRulePlan? Default { get; }

    public bool GeoproximityEnabled { get; }

    public int BiasOf(string popId) => _bias.GetValueOrDefault(popId);

    /// <summary>The most specific rule for a country (subdivisions need data that has them), else the default.</summary>
    public RegionRulePlan? Match(GeoCountry country)
    {
        if (country.Code.Length != 0)
        {
            if (_countries.TryGetValue(country.Code, out var rule))
            {
                return rule;
            }

            if (country.Continent.Length != 0 && _continents.TryGetValue(country.Continent, out rule))
            {
                return rule;
            }
        }

        return Default;
    }
}

public sealed record RegionRulePlan(string Label, RegionTargetPlan[] Targets);

/// <summary>A region target: every candidate of one server, or every candidate in one POP.</summary>
public readonly record struct RegionTargetPlan(bool IsPop, string Id)
{
    public static RegionTargetPlan Parse(string target) =>
        target.StartsWith(RegionRouting.PopPrefix, StringComparison.Ordinal)
            ? new(true, target[RegionRouting.PopPrefix.Length..])
            : new(false, target);

    public bool Matches(CandidatePlan candidate) =>
        string.Equals(IsPop ? candidate.PopId : candidate.ServerId, Id, StringComparison.Ordinal);

    public override string ToString() => IsPop ? RegionRouting.PopPrefix + Id : Id;
}

/// <summary>The engine's steps for one decision, in words, for the explainer (null on the hot path: no cost).</summary>
public sealed class GtmTrace
{
    public List<string> Steps { get; } = [];

    public string? ClientCountry { get; set; }

    public string? ClientContinent { get; set; }

    public void Add(string step) => Steps.Add(step);
}
