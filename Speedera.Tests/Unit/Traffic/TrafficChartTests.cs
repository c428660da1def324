using Speedera.Web.Components.Shared;
using Speedera.Web.Features.Demo;
using Speedera.Web.Features.Traffic;

namespace Speedera.Tests.Unit.Traffic;

public class TrafficChartTests
{
    [Fact]
    public void Midnight_line_is_at_local_midnight_of_the_viewers_time_zone()
    {
        var to = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
        var berlin = TrafficService.Midnights(to.AddDays(-1), to, "Europe/Berlin");
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 23, 0, 0, TimeSpan.Zero), Assert.Single(berlin).Time);
        var tokyo = TrafficService.Midnights(to.AddDays(-1), to, "Asia/Tokyo");
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 15, 0, 0, TimeSpan.Zero), Assert.Single(tokyo).Time);
        Assert.Equal("Sun 29 Nov", Assert.Single(tokyo).Label);
        Assert.Equal(7, TrafficService.Midnights(to.AddDays(-7), to, "UTC").Count);
    }

    [Fact]
    public void Csv_holds_exactly_the_plotted_rows_and_columns()
    {
        var t0 = new DateTimeOffset(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);
        var table = new PlottedTable("hits", "Hits per second", ChartUnit.Rate, "line", [t0, t0.AddMinutes(5)],
            [new PlottedColumn("Requests/s", [1.5, null]), new PlottedColumn("Previous, day", [0.25, 3], Dashed: true)]);
        Assert.Equal("time,Requests/s,\"Previous, day\"\r\n2026-11-29T10:00:00Z,1.5,0.25\r\n2026-11-29T10:05:00Z,,3\r\n", table.ToCsv());
        var spec = table.ToSpec("UTC", false);
        Assert.Equal(2, spec.TimeSeries.Count);
        Assert.True(spec.TimeSeries[1].Dashed);
        Assert.Null(spec.TimeSeries[0].Points[1].Value);
    }

    [Fact]
    public void Map_projection_matches_d3_natural_earth()
    {
        // Reference points computed with d3-geo's geoNaturalEarth1 fitted to the same 960x500 extent.
        var map = new WorldMapData("test", 960, 500, 172.94828588629844, 480, 250, "", []);
        var (x, y) = map.Project(51.5072, -0.1276);
        Assert.Equal(479.709, x, 2);
        Assert.Equal(93.558, y, 2);
        (x, y) = map.Project(-33.87, 151.2);
        Assert.Equal(855.578, x, 2);
        Assert.Equal(353.362, y, 2);
    }

    [Theory]
    [InlineData("300", 300)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("1d", 86400)]
    public void Step_is_seconds_or_a_unit(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), TrafficEndpoints.ParseStep(text));

    [Fact]
    public void Generated_query_carries_the_client_subnet_option()
    {
        var query = TrafficGenerator.BuildQuery(0x1234, "demo.speedera.net", [81, 2, 69, 0]);
        var name = new byte[256];
        var status = Speedera.Core.Dns.DnsQueryParser.Parse(query, name, out var parsed);
        Assert.Equal(Speedera.Core.Dns.DnsParseStatus.Ok, status);
        Assert.True(parsed.HasEcs);
        Assert.Equal(24, parsed.EcsSourcePrefix);
    }

    [Fact]
    public void First_a_record_is_read_past_compressed_names()
    {
        byte[] response =
        [
            0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0,
            4, (byte)'d', (byte)'e', (byte)'m', (byte)'o', 0, 0, 1, 0, 1,
            0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 20, 0, 4, 127, 0, 0, 13,
        ];
        Assert.Equal(System.Net.IPAddress.Parse("127.0.0.13"), TrafficGenerator.FirstA(response));
    }
}
