using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Speedera.Tests.Integration.Portal;

/// <summary>Roles gate pages; customers see only their own organization; headers and health.</summary>
public abstract class AccessTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    public static TheoryData<string> StaffPages => new()
    {
        "/noc/network", "/noc/nodes", "/noc/probes", "/noc/configuration",
        "/finance/invoices", "/finance/customers", "/finance/plans", "/admin/users",
    };

    [Theory]
    [MemberData(nameof(StaffPages))]
    public async Task Customer_cannot_open_staff_pages(string path)
    {
        var client = await SignedInCustomerAsync("Gate Test");
        var (response, _) = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://localhost/Account/AccessDenied", response.Headers.Location!.ToString());
        var (denied, page) = await client.GetAsync(PortalClient.LocalPart(response.Headers.Location!.ToString()));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("Access denied", page.QuerySelector("h1")!.TextContent);
        Assert.DoesNotContain("127.0.0.", page.Body!.TextContent);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/domains")]
    [InlineData("/noc/network")]
    [InlineData("/admin/users")]
    public async Task Anonymous_visitor_is_sent_to_login_for_private_pages(string path)
    {
        var client = factory.CreatePortalClient();
        var (response, _) = await client.GetAsync(path);
        if (path == "/")
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return;
        }

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("http://localhost/Account/Login", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Customer_overview_shows_only_its_own_organization()
    {
        var alpha = await SignedInCustomerAsync("Alpha Tenant");
        var beta = await SignedInCustomerAsync("Beta Tenant");

        var (_, alphaPage) = await alpha.GetAsync("/");
        var (_, betaPage) = await beta.GetAsync("/");

        Assert.Equal("Alpha Tenant", alphaPage.QuerySelector("[data-testid=org-name]")!.TextContent);
        Assert.DoesNotContain("Beta Tenant", alphaPage.Body!.TextContent);
        Assert.Equal("Beta Tenant", betaPage.QuerySelector("[data-testid=org-name]")!.TextContent);
        Assert.DoesNotContain("Alpha Tenant", betaPage.Body!.TextContent);
    }

    [Fact]
    public async Task Admin_sees_the_seeded_demo_network_on_several_continents()
    {
        var client = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await client.LogInAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);

        var (response, page) = await client.GetAsync("/noc/network");

        // The page's grid fills from the NOC service once the circuit is up (E2E sees the rows); here the
        // page answers for the admin and the service behind the grid holds the demo network.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(page.QuerySelector("[data-testid=pop-table]"));
        var pops = await factory.Services.GetRequiredService<Speedera.Web.Features.Noc.INocQueries>().PopsAsync(new Speedera.Web.Data.PageQuery(PageSize: 100));
        Assert.True(pops.Total >= 6, $"expected at least 6 POPs, saw {pops.Total}");
        Assert.Superset(new HashSet<string> { "US", "GB", "JP", "AU", "BR" }, pops.Items.Select(p => p.Country).ToHashSet());
        Assert.Contains(pops.Items.SelectMany(p => p.Servers), s => s.Address.StartsWith("127.0.0.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Customer_navigation_has_customer_sections_only()
    {
        var client = await SignedInCustomerAsync("Nav Test");
        var (_, page) = await client.GetAsync("/");
        var headings = page.QuerySelectorAll(".nav-heading").Select(h => h.TextContent).ToList();

        Assert.Contains("Customer", headings);
        Assert.DoesNotContain("NOC", headings);
        Assert.DoesNotContain("Finance", headings);
        Assert.DoesNotContain("Admin", headings);
    }

    [Fact]
    public async Task Pages_send_security_headers()
    {
        var client = factory.CreatePortalClient();
        var (response, _) = await client.GetAsync("/Account/Login");

        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("script-src 'self';", csp);
        Assert.Contains("style-src 'self';", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        // MudBlazor's style="" attributes are the only inline content allowed: no inline script or <style>.
        Assert.Equal(["style-src-attr 'unsafe-inline'"], csp.Split(';', StringSplitOptions.TrimEntries).Where(d => d.Contains("unsafe-inline", StringComparison.Ordinal)));
        Assert.Matches(@"connect-src 'self' ws://localhost(:\d+)?;", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Health_endpoints_answer_and_ready_checks_the_database()
    {
        var client = factory.CreatePortalClient();
        var live = await client.Http.GetAsync("/health/live");
        var ready = await client.Http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    private async Task<PortalClient> SignedInCustomerAsync(string organization)
    {
        var client = factory.CreatePortalClient();
        var email = $"user-{Guid.NewGuid():N}@example.test";
        await client.SignUpAsync(organization, email, "Correct-Horse-42");
        var link = await client.WaitForMailLinkAsync(email, "Confirm your Speedera account");
        await client.GetAsync(PortalClient.LocalPart(link));
        Assert.Equal(HttpStatusCode.Redirect, (await client.LogInAsync(email, "Correct-Horse-42")).StatusCode);
        return client;
    }
}

public sealed class SqliteAccessTests(SqlitePortalFactory factory) : AccessTests<SqlitePortalFactory>(factory);

public sealed class PostgresAccessTests(PostgresPortalFactory factory) : AccessTests<PostgresPortalFactory>(factory);
