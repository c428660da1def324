namespace Speedera.Web.Components.Shared;

/// <summary>A place on the map (a POP): drawn as a circle whose area grows with <see cref="Value"/>.</summary>
public sealed record MapMarker(string Id, string Label, double Latitude, double Longitude, double Value, string ValueText);

/// <summary>A country's figure for the country layer, keyed by ISO 3166-1 alpha-2 code.</summary>
public sealed record CountryFigure(string CountryCode, double Value, string ValueText);
