using Bunit;
using Speedera.Web.Components.Layout;
using Speedera.Web.Data;

namespace Speedera.Tests.Unit.Web;

public sealed class NavMenuTests : ComponentTestContext
{
    private IReadOnlyList<string> Sections(out IRenderedComponent<NavMenu> menu)
    {
        menu = Render<NavMenu>();
        return menu.FindAll(".nav-heading").Select(h => h.TextContent.Trim()).ToList();
    }

    [Fact]
    public void Customer_sees_customer_pages_and_no_staff_sections()
    {
        SignIn("shop@example.test", Guid.NewGuid(), Roles.Customer);

        var sections = Sections(out var menu);

        Assert.Equal(["Customer", "Account"], sections);
        Assert.Contains("Traffic Management", menu.Markup);
        Assert.DoesNotContain("noc/network", menu.Markup);
        Assert.DoesNotContain("admin/users", menu.Markup);
    }

    [Fact]
    public void Customer_role_without_an_organization_gets_no_customer_section()
    {
        SignIn("orphan@example.test", organization: null, Roles.Customer);

        Assert.Equal(["Account"], Sections(out _));
    }

    [Fact]
    public void Noc_operator_sees_the_noc_section_only()
    {
        SignIn("noc@example.test", organization: null, Roles.Noc);

        var sections = Sections(out var menu);

        Assert.Equal(["NOC", "Account"], sections);
        Assert.Contains("href=\"noc/probes\"", menu.Markup);
        Assert.DoesNotContain("finance/customers", menu.Markup);
    }

    [Fact]
    public void Finance_user_sees_the_finance_section_only()
    {
        SignIn("money@example.test", organization: null, Roles.Finance);

        Assert.Equal(["Finance", "Account"], Sections(out _));
    }

    [Fact]
    public void Admin_sees_noc_finance_and_admin_sections()
    {
        SignIn("admin@example.test", organization: null, Roles.Admin);

        Assert.Equal(["NOC", "Finance", "Admin", "Account"], Sections(out _));
    }
}
