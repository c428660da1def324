using Bunit;
using Speedera.Web.Components.Shared;
using Speedera.Web.Data;

namespace Speedera.Tests.Unit.Web;

public sealed class LocalTimeTests : ComponentTestContext
{
    private static readonly DateTime Summer = new(2026, 7, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Winter = new(2026, 1, 15, 12, 0, 0, DateTimeKind.Utc);

    private string Rendered(DateTime? value, string? empty = null) =>
        Render<LocalTime>(p =>
        {
            p.Add(c => c.Value, value);
            if (empty is not null)
            {
                p.Add(c => c.Empty, empty);
            }
        }).Markup;

    [Fact]
    public void Berlin_user_sees_summer_time_with_CEST_and_winter_time_with_CET()
    {
        SignInAs("shop@example.test", Guid.NewGuid(), OrganizationRole.Owner, "Europe/Berlin", Roles.Customer);

        Assert.Contains(">2026-07-01 14:00 CEST</time>", Rendered(Summer));
        Assert.Contains(">2026-01-15 13:00 CET</time>", Rendered(Winter));
    }

    [Fact]
    public void New_York_user_sees_EDT_and_the_utc_instant_stays_in_the_datetime_attribute()
    {
        SignInAs("ops@example.test", Guid.NewGuid(), OrganizationRole.Technical, "America/New_York", Roles.Customer);

        var markup = Rendered(Summer);

        Assert.Contains(">2026-07-01 08:00 EDT</time>", markup);
        Assert.Contains("datetime=\"2026-07-01T12:00:00Z\"", markup);
        Assert.Contains("title=\"2026-07-01 12:00:00 UTC\"", markup);
    }

    [Fact]
    public void User_without_a_zone_sees_utc()
    {
        SignIn("noc@example.test", organization: null, Roles.Noc);

        Assert.Contains(">2026-07-01 12:00 UTC</time>", Rendered(Summer));
    }

    [Fact]
    public void An_unknown_zone_claim_falls_back_to_utc()
    {
        SignInAs("x@example.test", Guid.NewGuid(), OrganizationRole.Owner, "Mars/Olympus_Mons", Roles.Customer);

        Assert.Contains(">2026-07-01 12:00 UTC</time>", Rendered(Summer));
    }

    [Fact]
    public void No_value_renders_the_empty_text()
    {
        SignInAs("x@example.test", Guid.NewGuid(), OrganizationRole.Owner, "Asia/Tokyo", Roles.Customer);

        var markup = Rendered(null, empty: "never");

        Assert.Equal("never", markup.Trim());
    }

    [Fact]
    public void Zone_without_an_abbreviation_shows_its_offset()
    {
        SignInAs("x@example.test", Guid.NewGuid(), OrganizationRole.Owner, "Asia/Dubai", Roles.Customer);

        Assert.Contains(">2026-07-01 16:00 +04</time>", Rendered(Summer));
    }
}
