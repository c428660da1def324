using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>
/// The MudBlazor portal in Chromium: every converted page as a customer and as NOC, light and dark,
/// with no Content-Security-Policy violation, and the NOC probes page updating live without a reload.
/// Screenshots land in test-output/screenshots/look-*.png.
/// </summary>
public sealed class PortalLookTests(EmbeddedEdgeFixture fixture) : IClassFixture<EmbeddedEdgeFixture>
{
    private const string Password = "Look-Passw0rd!23";

    private static readonly string[] CustomerPages = ["/", "/gtm", "/content", "/traffic", "/domains"];
    private static readonly string[] NocPages = ["/", "/noc/network", "/noc/nodes", "/noc/probes", "/noc/configuration", "/finance/customers", "/finance/plans", "/admin/users"];

    [Fact]
    public async Task Customer_and_noc_pages_render_in_light_and_dark_without_csp_violations()
    {
        var customer = await fixture.NewPageAsync();
        var violations = CollectCspViolations(customer);
        await SignUpAndLogInAsync(customer, "Look Customer Ltd");
        await VisitAllAsync(customer, "customer", CustomerPages);

        var noc = await fixture.NewPageAsync();
        violations.AddRange(CollectCspViolations(noc));
        await LogInAsync(noc, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        await VisitAllAsync(noc, "noc", NocPages);

        Assert.Empty(violations);
        Console.WriteLine("axe-core results:\n" + string.Join("\n", Accessibility.Log));
    }

    [Fact]
    public async Task Noc_probes_page_updates_live_as_probe_results_arrive_without_reloading()
    {
        var page = await fixture.NewPageAsync();
        await LogInAsync(page, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        await page.GotoAsync("/noc/probes");
        await WaitForCircuitAsync(page);
        // A marker in the window survives only if the page is never reloaded.
        await page.EvaluateAsync("() => { window.__speederaNoReload = true; }");
        // data-last-change moves only when the live feed announces news (the age ticker changes only the text).
        var before = await page.Locator("[data-testid=live-status]").GetAttributeAsync("data-last-change") ?? "";

        await Expect(page.Locator("[data-testid=live-status]")).Not.ToHaveAttributeAsync("data-last-change", before, new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-testid=service-states] tbody tr[class*=state-]").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__speederaNoReload === true"), "the probes page reloaded instead of updating in place");
    }

    private static async Task VisitAllAsync(IPage page, string role, string[] paths)
    {
        foreach (var theme in new[] { "light", "dark" })
        {
            await page.GotoAsync("/");
            await WaitForCircuitAsync(page);
            if (!(await page.Locator("[data-testid=theme-stylesheet]").GetAttributeAsync("href") ?? "").Contains(theme, StringComparison.Ordinal))
            {
                await page.ClickAsync("[data-testid=theme-toggle] button");
                await Expect(page.Locator("[data-testid=theme-stylesheet]")).ToHaveAttributeAsync("href", $"theme/{theme}.css");
            }

            foreach (var path in paths)
            {
                await page.GotoAsync(path);
                await Expect(page.Locator("h1").First).ToBeVisibleAsync();
                await WaitForCircuitAsync(page);
                // Grids load once the circuit is up; wait for them to leave the loading state.
                await page.WaitForFunctionAsync("() => !document.querySelector('.mud-table-loading-progress, .mud-progress-linear')");
                var name = path == "/" ? "overview" : path.Trim('/').Replace('/', '-');
                await BrowserFixture.ScreenshotAsync(page, $"look-{role}-{name}-{theme}");
                await Accessibility.AssertNoSeriousViolationsAsync(page, $"{path} ({role}, {theme})");
            }
        }
    }

    /// <summary>Interactive pages have connected their circuit and loaded their grids once nothing is left on the wire.</summary>
    private static Task WaitForCircuitAsync(IPage page) => page.WaitForLoadStateAsync(LoadState.NetworkIdle);

    private static List<string> CollectCspViolations(IPage page)
    {
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (violations)
                {
                    violations.Add($"{page.Url}: {message.Text}");
                }
            }
        };
        return violations;
    }

    private async Task SignUpAndLogInAsync(IPage page, string organization)
    {
        var email = $"look-{Guid.NewGuid():N}@example.test";
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.OrganizationName", organization);
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await Expect(page.Locator("[data-testid=register-confirmation]")).ToContainTextAsync(email);
        await page.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(email, "Confirm your Speedera account"));
        await LogInAsync(page, email, Password);
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
