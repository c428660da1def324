using System.Diagnostics;
using System.Net;
using Speedera.Core.Configuration;
using Speedera.Core.Geo;
using Speedera.Core.Gtm;
using Speedera.Tests.Support;

namespace Speedera.Tests.Unit.Geo;

public class GeoDatabaseTests
{
    private static readonly GeoCountry[] Meta =
    [
        new("GB", "EU", 54, -2, "United Kingdom"),
        new("US", "NA", 38, -97, "United States"),
        new("DE", "EU", 51, 9, "Germany"),
    ];

    private static ClientAddress A(string ip) => ClientAddress.FromIPAddress(IPAddress.Parse(ip));

    private static GeoDatabase Small()
    {
        var b = new GeoDatabaseBuilder(Meta);
        b.AddNetwork(A("81.0.0.0"), 8, "GB");
        b.AddNetwork(A("3.0.0.0"), 8, "US");
        b.AddNetwork(A("4.0.0.0"), 8, "US");
        b.AddNetwork(A("2a00::"), 16, "DE");
        return b.Build(2026060120, "test", "test data");
    }

    [Theory]
    [InlineData("81.2.69.142", "GB")]
    [InlineData("81.255.255.255", "GB")]
    [InlineData("82.0.0.0", "")]
    [InlineData("80.255.255.255", "")]
    [InlineData("3.1.2.3", "US")]
    [InlineData("4.255.0.1", "US")]
    [InlineData("0.0.0.0", "")]
    [InlineData("255.255.255.255", "")]
    [InlineData("2a00:1450::1", "DE")]
    [InlineData("2a01::1", "")]
    [InlineData("::ffff:81.1.1.1", "GB")]
    public void Lookup_finds_the_range_an_address_falls_in(string ip, string country)
    {
        var db = Small();
        Assert.Equal(country, db.Country(db.Lookup(A(ip))).Code);
    }

    [Fact]
    public void Adjacent_ranges_of_one_country_are_merged()
    {
        var db = Small();
        // unknown, US (3/8 and 4/8 as one), unknown, GB, unknown.
        Assert.Equal(5, db.V4RangeCount);
    }

    [Fact]
    public void Serialized_file_reads_back_with_the_same_answers()
    {
        var db = Small();
        Assert.True(GeoDatabase.TryDeserialize(db.Serialize(), out var copy, out var error), error);
        Assert.Equal(db.Version, copy!.Version);
        Assert.Equal("test data", copy.Attribution);
        foreach (var ip in new[] { "81.2.69.142", "3.3.3.3", "2a00::5", "9.9.9.9" })
        {
            Assert.Equal(db.Country(db.Lookup(A(ip))), copy.Country(copy.Lookup(A(ip))));
        }

        Assert.True(copy.TryGetCountry("GB", out var gb));
        Assert.Equal("EU", gb.Continent);
    }

    [Fact]
    public void Truncated_or_foreign_bytes_are_refused()
    {
        var bytes = Small().Serialize();
        Assert.False(GeoDatabase.TryDeserialize(bytes[..^3], out _, out var error));
        Assert.NotNull(error);
        Assert.False(GeoDatabase.TryDeserialize("{\"version\":1}"u8.ToArray(), out _, out error));
        Assert.Contains("magic", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Signed_geo_data_verifies_and_a_changed_byte_is_refused()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var signed = SignedGeoData.Sign(Small().Serialize(), key);
        Assert.Equal(2026060120, signed.Version);
        Assert.True(SignedGeoData.TryParse(signed.ToJsonBytes(), out var parsed, out _));
        Assert.True(parsed!.TryVerify(key, out var db, out var error), error);
        Assert.Equal("GB", db!.Country(db.Lookup(A("81.2.69.142"))).Code);

        var tampered = parsed with { Data = [.. parsed.Data] };
        tampered.Data[^1] ^= 1;
        Assert.False(tampered.TryVerify(key, out _, out error));
        Assert.Contains("SHA-256", error, StringComparison.Ordinal);

        using var other = ConfigurationKeys.CreateSigningKey();
        Assert.False(parsed.TryVerify(other, out _, out error));
        Assert.Contains("trusts key", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Biased_distance_grows_or_shrinks_a_pops_area()
    {
        double london = GeoDistance.Kilometres(51.5, -0.13, 40.7, -74);
        Assert.InRange(london, 5500, 5650);
        Assert.Equal(london / 2, GeoDistance.Biased(london, 50), 6);
        Assert.Equal(london * 1.5, GeoDistance.Biased(london, -50), 6);
    }

    [GeoDataTheory]
    [InlineData("8.8.8.8", "US", "NA")]
    [InlineData("2001:67c:2e8:22::c100:68b", "NL", "EU")]
    [InlineData("18.130.0.1", "GB", "EU")]
    [InlineData("193.0.6.139", "NL", "EU")]
    [InlineData("212.58.244.22", "GB", "EU")]
    [InlineData("1.1.1.1", "AU", "OC")]
    [InlineData("200.160.2.3", "BR", "SA")]
    public void Real_db_ip_data_places_well_known_addresses(string ip, string country, string continent)
    {
        var db = GeoData.Database;
        var c = db.Country(db.Lookup(A(ip)));
        Assert.Equal(country, c.Code);
        Assert.Equal(continent, c.Continent);
        Assert.True(c.HasCoordinates);
    }

    [GeoDataFact]
    public void Real_data_lookups_do_not_allocate()
    {
        var db = GeoData.Database;
        var v4 = A("193.0.6.139");
        var v6 = A("2001:4860:4860::8888");
        db.Lookup(v4);
        db.Lookup(v6);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int known = 0;
        for (int i = 0; i < 10_000; i++)
        {
            known += db.Lookup(v4).IsKnown ? 1 : 0;
            known += db.Lookup(v6).IsKnown ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(20_000, known);
        Assert.True(db.V4RangeCount > 10_000, $"only {db.V4RangeCount} IPv4 ranges");
        Debug.Assert(db.V6RangeCount > 0);
    }
}
