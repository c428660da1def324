namespace Speedera.Core.Geo;

/// <summary>
/// A country of the geo data: ISO 3166-1 alpha-2 code, continent code, a representative point for
/// distances (NaN when the data has none) and an English name for the portal.
/// </summary>
public sealed record GeoCountry(string Code, string Continent, double Latitude, double Longitude, string Name)
{
    public bool HasCoordinates => !double.IsNaN(Latitude) && !double.IsNaN(Longitude);
}

/// <summary>Where the geo data places a client: a country index into <see cref="GeoDatabase.Countries"/> (0 = unknown).</summary>
public readonly record struct GeoLocation(ushort CountryIndex)
{
    public bool IsKnown => CountryIndex != 0;
}
