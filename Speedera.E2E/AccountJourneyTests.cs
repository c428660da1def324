using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>A customer, a NOC operator and a finance user click through the portal in Chromium.</summary>
public sealed class AccountJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Password = "Journey-Passw0rd!";

    [Fact]
    public async Task New_customer_signs_up_confirms_logs_in_sees_empty_overview_and_logs_out()
    {
        var page = await fixture.NewPageAsync();
        var email = $"journey-{Guid.NewGuid():N}@example.test";

        await page.GotoAsync("/Account/Register");
        await BrowserFixture.ScreenshotAsync(page, "signup");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.FillAsync("#Input\\.OrganizationName", "Journey Shoes");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await Expect(page.Locator("[data-testid=register-confirmation]")).ToContainTextAsync(email);

        var link = await fixture.Portal.WaitForMailLinkAsync(email, "Confirm your Speedera account");
        await page.GotoAsync(link);
        await Expect(page.Locator(".alert-success")).ToContainTextAsync("confirmed");

        await page.ClickAsync("[data-testid=confirmed-login]");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.ClickAsync("[data-testid=login-submit]");

        await Expect(page.Locator("[data-testid=org-name]")).ToHaveTextAsync("Journey Shoes");
        await Expect(page.Locator("[data-testid=overview-empty]")).ToContainTextAsync("No domains yet");
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(email);
        await BrowserFixture.ScreenshotAsync(page, "overview-customer");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.ClickAsync("[data-testid=logout]");
        await Expect(page.Locator("[data-testid=app-bar]")).ToContainTextAsync("Log in");
        await page.GotoAsync("/domains");
        await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
    }

    [Fact]
    public async Task Customer_cannot_open_noc_or_finance_pages_nor_see_another_organization()
    {
        var first = await SignedInCustomerAsync("First Tenant GmbH");
        var second = await SignedInCustomerAsync("Second Tenant Ltd");

        foreach (var path in new[] { "/noc/network", "/finance/customers", "/admin/users" })
        {
            var response = await first.GotoAsync(path);
            Assert.Equal(403, response!.Status);
            await Expect(first.Locator("h1")).ToHaveTextAsync("Access denied");
            await Expect(first.Locator("body")).Not.ToContainTextAsync("Second Tenant Ltd");
        }

        await BrowserFixture.ScreenshotAsync(first, "customer-denied-noc");

        await Accessibility.AssertNoSeriousViolationsAsync(first);
        await first.GotoAsync("/");
        await Expect(first.Locator("[data-testid=org-name]")).ToHaveTextAsync("First Tenant GmbH");
        await Expect(first.Locator("body")).Not.ToContainTextAsync("Second Tenant Ltd");
        await Expect(first.Locator("[data-testid=drawer]")).Not.ToContainTextAsync("NOC");
        await second.GotoAsync("/");
        await Expect(second.Locator("body")).Not.ToContainTextAsync("First Tenant GmbH");
    }

    [Fact]
    public async Task Noc_operator_sees_the_demo_network_and_finance_sees_customers()
    {
        var page = await fixture.NewPageAsync();
        await LogInAsync(page, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        // A click while the circuit is still starting can be lost: wait until it is up.
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        // On a loaded machine a click during the circuit's start can still be lost: click again until the page changes.
        for (int attempt = 1; ; attempt++)
        {
            await page.ClickAsync("[data-testid=drawer] >> text=Network");
            try
            {
                await Expect(page.Locator("h1")).ToHaveTextAsync("Network", new() { Timeout = 10_000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 3)
            {
            }
        }

        // The grid loads its rows from the server once the circuit is up.
        await Expect(page.Locator("[data-testid=pop-table]")).ToContainTextAsync("Tokyo");
        Assert.True(await page.Locator("[data-testid=pop-table] tbody tr").CountAsync() >= 6);
        await BrowserFixture.ScreenshotAsync(page, "noc-network");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.ClickAsync("[data-testid=drawer] >> text=Customers");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Customers");
        await BrowserFixture.ScreenshotAsync(page, "finance-customers");
        await Accessibility.AssertNoSeriousViolationsAsync(page);

        await page.ClickAsync("[data-testid=drawer] >> text=Nodes");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Edge nodes");
        await BrowserFixture.ScreenshotAsync(page, "noc-nodes");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.ClickAsync("[data-testid=drawer] >> text=Probes");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Probes");
        await BrowserFixture.ScreenshotAsync(page, "noc-probes");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.ClickAsync("[data-testid=drawer] >> text=Configuration");
        await Expect(page.Locator("[data-testid=config-history]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "noc-configuration");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task Weak_password_shows_a_clear_message_in_the_browser()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.OrganizationName", "Weak Co");
        await page.FillAsync("#Input\\.Email", $"weak-{Guid.NewGuid():N}@example.test");
        await page.FillAsync("#Input\\.Password", "password");
        await page.FillAsync("#Input\\.ConfirmPassword", "password");
        await page.ClickAsync("[data-testid=register-submit]");

        await Expect(page.Locator(".validation-summary")).ToContainTextAsync("10 to 128 characters");
        await BrowserFixture.ScreenshotAsync(page, "signup-weak-password");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
    }

    private async Task<IPage> SignedInCustomerAsync(string organization)
    {
        var page = await fixture.NewPageAsync();
        var email = $"tenant-{Guid.NewGuid():N}@example.test";
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.OrganizationName", organization);
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await Expect(page.Locator("[data-testid=register-confirmation]")).ToBeVisibleAsync();
        await page.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(email, "Confirm your Speedera account"));
        await LogInAsync(page, email, Password);
        return page;
    }

    private static async Task LogInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", password);
        await page.ClickAsync("[data-testid=login-submit]");
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(email);
    }
}
