using System.Net;
using Microsoft.EntityFrameworkCore;

namespace Speedera.Tests.Integration.Portal;

/// <summary>The user's time zone: saved on Settings, carried in the cookie, used by every time on the pages.</summary>
public abstract class TimeZoneTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Fact]
    public async Task Saved_time_zone_is_used_for_the_times_on_the_api_keys_page()
    {
        var tenant = await Tenant.CreateAsync(factory, "Tokyo Tea");

        var (saved, _) = await tenant.Browser.SubmitFormAsync("/Account/Manage", "time-zone", new Dictionary<string, string> { ["Zone.TimeZone"] = "Asia/Tokyo" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);

        var stored = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == tenant.Email).Select(u => u.TimeZone).SingleAsync());
        Assert.Equal("Asia/Tokyo", stored);
        var (_, page) = await tenant.Browser.GetAsync("/api-keys");
        var created = page.QuerySelector("[data-testid=api-keys] tbody tr td:nth-child(2) time");
        Assert.NotNull(created);
        Assert.EndsWith(" JST", created.TextContent.Trim());
        var utc = DateTime.Parse(created.GetAttribute("datetime")!, null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.StartsWith(utc.AddHours(9).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), created.TextContent.Trim());
    }

    [Fact]
    public async Task An_unknown_time_zone_is_refused_and_not_saved()
    {
        var tenant = await Tenant.CreateAsync(factory, "Nowhere Inc");

        var (response, page) = await tenant.Browser.SubmitFormAsync("/Account/Manage", "time-zone", new Dictionary<string, string> { ["Zone.TimeZone"] = "Mars/Olympus_Mons" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Pick a time zone from the list", page.Body!.TextContent);
        Assert.Null(await factory.WithDbAsync(db => db.Users.Where(u => u.Email == tenant.Email).Select(u => u.TimeZone).SingleAsync()));
    }
}

public sealed class SqliteTimeZoneTests(SqlitePortalFactory factory) : TimeZoneTests<SqlitePortalFactory>(factory);

public sealed class PostgresTimeZoneTests(PostgresPortalFactory factory) : TimeZoneTests<PostgresPortalFactory>(factory);
