using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.Configuration;
using Speedera.Core.Geo;
using Speedera.Edge.Dns;
using Speedera.Tests.Unit.Gtm;

namespace Speedera.Tests.Unit.Geo;

/// <summary>A dns node's geo file on disk: verified against the control plane's key, else refused and reported.</summary>
public sealed class GeoDataLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("speedera-geo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Signed_file_on_disk_is_loaded()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var path = Path.Combine(_dir, "geodata.json");
        File.WriteAllBytes(path, SignedGeoData.Sign(RegionNetwork.Geo().Serialize(), key).ToJsonBytes());
        var holder = new GeoDataHolder();
        Assert.True(new GeoDataLoader(holder, key, path, null, TimeProvider.System, NullLogger.Instance).LoadFromDisk());
        Assert.Equal("NL", holder.Current!.Country(holder.Current.Lookup(RegionNetwork.A(RegionNetwork.Dutch))).Code);
        Assert.Null(holder.MissingReason);
    }

    [Fact]
    public void File_signed_by_another_key_is_refused_and_the_node_says_why()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        using var other = ConfigurationKeys.CreateSigningKey();
        var path = Path.Combine(_dir, "geodata.json");
        File.WriteAllBytes(path, SignedGeoData.Sign(RegionNetwork.Geo().Serialize(), other).ToJsonBytes());
        var holder = new GeoDataHolder();
        Assert.False(new GeoDataLoader(holder, key, path, null, TimeProvider.System, NullLogger.Instance).LoadFromDisk());
        Assert.Null(holder.Current);
        Assert.Contains("trusts key", holder.MissingReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_file_the_node_has_no_geo_data_and_says_where_it_looked()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var holder = new GeoDataHolder();
        var path = Path.Combine(_dir, "none.json");
        Assert.False(new GeoDataLoader(holder, key, path, null, TimeProvider.System, NullLogger.Instance).LoadFromDisk());
        Assert.Null(holder.Current);
        Assert.Contains(path, holder.MissingReason, StringComparison.Ordinal);
    }
}
