using Bunit;
using Speedera.Web.Components.Layout;
using Speedera.Web.Data;

namespace Speedera.Tests.Unit.Web;

/// <summary>The navigation follows the member's role in their organization.</summary>
public sealed class OrganizationNavMenuTests : ComponentTestContext
{
    private string Menu(OrganizationRole role)
    {
        SignInAs("member@example.test", Guid.NewGuid(), role, timeZone: null, Roles.Customer);
        return Render<NavMenu>().Markup;
    }

    [Fact]
    public void Owner_sees_the_customer_pages_and_members()
    {
        var menu = Menu(OrganizationRole.Owner);

        Assert.Contains("href=\"domains\"", menu);
        Assert.Contains("href=\"organization/members\"", menu);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(menu, "href=\"invoices\""));
    }

    [Fact]
    public void Technical_member_sees_the_customer_pages_without_members()
    {
        var menu = Menu(OrganizationRole.Technical);

        Assert.Contains("href=\"domains\"", menu);
        Assert.Contains("href=\"api-keys\"", menu);
        Assert.DoesNotContain("organization/members", menu);
    }

    [Fact]
    public void Billing_member_sees_invoices_only()
    {
        var menu = Menu(OrganizationRole.Billing);

        Assert.Contains("href=\"invoices\"", menu);
        Assert.DoesNotContain("href=\"domains\"", menu);
        Assert.DoesNotContain("href=\"api-keys\"", menu);
        Assert.DoesNotContain("organization/members", menu);
    }
}
