using Microsoft.AspNetCore.Http;
using Speedera.Web.Features.Account;

namespace Speedera.Tests.Unit.Portal;

public sealed class UserTimeZonesTests
{
    [Theory]
    [InlineData("Europe/Berlin", true)]
    [InlineData("America/Argentina/Buenos_Aires", true)]
    [InlineData("UTC", true)]
    [InlineData("Mars/Olympus_Mons", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_tzdb_zones_are_valid(string? id, bool valid) => Assert.Equal(valid, UserTimeZones.IsValid(id));

    [Fact]
    public void Offered_zones_include_the_common_ones_and_utc_once()
    {
        Assert.Contains("Europe/London", UserTimeZones.Ids);
        Assert.Contains("Asia/Kolkata", UserTimeZones.Ids);
        Assert.Single(UserTimeZones.Ids, id => id == "UTC");
        Assert.All(UserTimeZones.Ids, id => Assert.True(UserTimeZones.IsValid(id), id));
    }

    [Fact]
    public void Format_crosses_the_date_line_and_names_the_abbreviation()
    {
        var utc = new DateTime(2026, 11, 29, 20, 30, 0, DateTimeKind.Utc);

        Assert.Equal("2026-11-30 09:30 NZDT", UserTimeZones.Format(utc, UserTimeZones.Resolve("Pacific/Auckland")));
        Assert.Equal("2026-11-29 12:30 PST", UserTimeZones.Format(utc, UserTimeZones.Resolve("America/Los_Angeles")));
        Assert.Equal("29.11.2026 20:30 UTC", UserTimeZones.Format(utc, UserTimeZones.Resolve(null), "dd.MM.yyyy HH:mm"));
    }

    [Fact]
    public void Browser_zone_cookie_is_read_url_decoded_and_junk_is_ignored()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Cookie = "speedera.tz=Europe%2FParis";
        Assert.Equal("Europe/Paris", UserTime.BrowserZone(context));

        context = new DefaultHttpContext();
        context.Request.Headers.Cookie = "speedera.tz=%3Cscript%3E";
        Assert.Null(UserTime.BrowserZone(context));
        Assert.Null(UserTime.BrowserZone(null));
    }
}
