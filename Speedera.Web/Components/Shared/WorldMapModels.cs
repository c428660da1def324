namespace Speedera.Web.Components.Shared;

/// <summary>A place on the map (a POP): drawn as a circle whose area grows with <see cref="Value"/>; <see cref="Color"/> (a CSS colour) overrides the theme's.</summary>
public sealed record MapMarker(string Id, string Label, double Latitude, double Longitude, double Value, string ValueText, string? Color = null);

/// <summary>
/// A country's figure for the country layer, keyed by ISO 3166-1 alpha-2 code. With <see cref="Color"/> (a CSS colour) the
/// country is filled with it instead of shaded by value (categories, e.g. where a region rule sends it);
/// <see cref="Emphasis"/> outlines it.
/// </summary>
public sealed record CountryFigure(string CountryCode, double Value, string ValueText, string? Color = null, bool Emphasis = false);
