namespace Speedera.Core.Geo;

/// <summary>The seven continent codes used in region rules (the two-letter codes GeoNames and MaxMind use).</summary>
public static class Continents
{
    public static IReadOnlyDictionary<string, string> Names { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AF"] = "Africa",
        ["AN"] = "Antarctica",
        ["AS"] = "Asia",
        ["EU"] = "Europe",
        ["NA"] = "North America",
        ["OC"] = "Oceania",
        ["SA"] = "South America",
    };

    public static bool IsValid(string? code) => code is not null && Names.ContainsKey(code);
}
