using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>
/// Every portal page as each role (Customer, NOC, Finance, Admin), light and dark, with real objects behind the detail
/// pages: screenshots in test-output/screenshots/portal/&lt;role&gt;-&lt;page&gt;-&lt;theme&gt;.png to look at, and on each page
/// the checks a person would otherwise make by eye: no horizontal overflow, no error or access-denied page; axe-core's findings printed.
/// </summary>
public sealed class PortalScreenshotTests(EmbeddedEdgeFixture fixture) : IClassFixture<EmbeddedEdgeFixture>
{
    private const string Password = "Screens-Passw0rd!7";
    private static readonly string[] Themes = ["light", "dark"];

    [Fact]
    public async Task Every_page_as_each_role_in_light_and_dark_is_captured_without_overflow_or_error_pages()
    {
        // Five helpers share two cores: a form's round trip can take seconds.
        SetDefaultExpectTimeout(20_000);
        var findings = new List<string>();
        Directory.CreateDirectory(Path.Combine(BrowserFixture.ScreenshotDirectory, "portal"));
        var admin = await fixture.NewPageAsync();
        await LogInAsync(admin, PortalProcess.AdminEmail, PortalProcess.AdminPassword);
        var noc = await StaffAsync(admin, "NOC");
        var finance = await StaffAsync(admin, "Finance");
        var (customer, organization, ids) = await CustomerWithObjectsAsync();

        var customerPages = new List<(string Name, string Path)>
        {
            ("overview", "/"), ("domains", "/domains"), ("domain-detail", $"/domains/{ids.Gtm}"), ("domain-cdn-detail", $"/domains/{ids.Cdn}"),
            ("gtm", "/gtm"), ("gtm-settings", $"/gtm/{ids.Gtm}"), ("gtm-regions", $"/gtm/{ids.Gtm}/regions"),
            ("content", "/content"), ("content-detail", $"/content/{ids.Cdn}"), ("traffic", "/traffic"), ("traffic-detail", $"/traffic/{ids.Cdn}"),
            ("page-check", "/page-check"), ("invoices", "/invoices"), ("api-keys", "/api-keys"), ("members", "/organization/members"),
            ("account", "/Account/Manage"), ("two-factor", "/Account/Manage/TwoFactor"),
        };
        var nocPages = new List<(string Name, string Path)>
        {
            ("overview", "/"), ("network", "/noc/network"), ("nodes", "/noc/nodes"), ("probes", "/noc/probes"), ("configuration", "/noc/configuration"),
            ("incidents", "/noc/incidents"), ("network-traffic", "/noc/traffic"), ("wallboard", "/noc/wallboard"), ("account", "/Account/Manage"),
        };
        var financePages = new List<(string Name, string Path)>
        {
            ("overview", "/"), ("customers", "/finance/customers"), ("invoices", "/finance/invoices"), ("plans", "/finance/plans"), ("account", "/Account/Manage"),
        };
        if (await CustomerDetailPathAsync(finance, organization) is { } detail)
        {
            financePages.Add(("customer-detail", detail));
        }

        var adminPages = new List<(string Name, string Path)> { ("users", "/admin/users") };
        adminPages.AddRange(nocPages.Where(p => p.Name != "account"));
        adminPages.AddRange(financePages.Where(p => p.Name != "overview"));

        var shots = 0;
        foreach (var (role, page, pages) in new[] { ("customer", customer, customerPages), ("noc", noc, nocPages), ("finance", finance, financePages), ("admin", admin, adminPages) })
        {
            foreach (var theme in Themes)
            {
                await UseThemeAsync(page, theme);
                foreach (var (name, path) in pages)
                {
                    findings.AddRange(await CaptureAsync(page, role, name, path, theme));
                    shots++;
                }
            }
        }

        Console.WriteLine($"{shots} screenshots in {Path.Combine(BrowserFixture.ScreenshotDirectory, "portal")}");
        Console.WriteLine("axe-core results:\n" + string.Join("\n", Accessibility.Log));
        Assert.True(findings.Count == 0, "Pages that need a look:\n" + string.Join("\n", findings));
    }

    private static async Task<List<string>> CaptureAsync(IPage page, string role, string name, string path, string theme)
    {
        var findings = new List<string>();
        var response = await page.GotoAsync(path);
        if (response is { Status: >= 400 })
        {
            findings.Add($"{role} {path}: HTTP {response.Status}");
        }

        await Expect(page.Locator("h1").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        // Grids and live panels load once the circuit is up; wait for them to leave the loading state.
        await page.WaitForFunctionAsync("() => !document.querySelector('.mud-table-loading-progress, .mud-progress-linear-indeterminate')", null, new() { Timeout = 30_000 });
        await BrowserFixture.ScreenshotAsync(page, Path.Combine("portal", $"{role}-{name}-{theme}"));

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        if (overflow > 1)
        {
            findings.Add($"{role} {path} ({theme}): the page is {overflow} px wider than the window");
        }

        var heading = (await page.Locator("h1").First.TextContentAsync())?.Trim();
        if (heading is "Page not found" or "Access denied" or "Error" || (heading?.StartsWith("An error", StringComparison.Ordinal) ?? false))
        {
            findings.Add($"{role} {path} ({theme}): shows \"{heading}\"");
        }

        // axe-core's serious findings are printed for the report, not failed on here: the journeys fail on them for the
        // pages they visit, and here a page caught while loading (a bar without a name, the title being swapped) is noise.
        try
        {
            await Accessibility.AssertNoSeriousViolationsAsync(page, $"{path} ({role}, {theme})");
        }
        catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
        {
            Console.WriteLine($"axe (not failed on): {role} {path} ({theme}): {ex.Message}");
        }

        return findings;
    }

    private static async Task UseThemeAsync(IPage page, string theme)
    {
        await page.GotoAsync("/");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        if (!(await page.Locator("[data-testid=theme-stylesheet]").GetAttributeAsync("href") ?? "").Contains(theme, StringComparison.Ordinal))
        {
            await page.ClickAsync("[data-testid=theme-toggle] button");
            await Expect(page.Locator("[data-testid=theme-stylesheet]")).ToHaveAttributeAsync("href", $"theme/{theme}.css");
        }
    }

    /// <summary>The Admin adds a staff member on /admin/users; they choose a password from the mailed link and sign in.</summary>
    private async Task<IPage> StaffAsync(IPage admin, string role)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@speedera.e2e";
        await admin.GotoAsync("/admin/users");
        await admin.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await admin.FillAsync(CustomerNetworkJourneyTests.Field("staff-email"), email);
        await CustomerNetworkJourneyTests.ChooseAsync(admin, "staff-role", role);
        await admin.ClickAsync("[data-testid=add-staff]");
        await Expect(admin.Locator(".mud-snackbar")).ToContainTextAsync($"{email} added", new() { Timeout = 30_000 });

        var page = await fixture.NewPageAsync();
        await page.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(email, "Reset your Speedera password"));
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("ResetPasswordConfirmation"));
        await LogInAsync(page, email, Password);
        return page;
    }

    /// <summary>A customer with a GTM hostname on two loopback addresses, a CDN hostname with a purge, and an API key.</summary>
    private async Task<(IPage Page, string Organization, (Guid Gtm, Guid Cdn) Ids)> CustomerWithObjectsAsync()
    {
        var organization = $"Screens {Guid.NewGuid().ToString("N")[..6]} Ltd";
        var email = $"screens-{Guid.NewGuid():N}@example.test";
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.OrganizationName", organization);
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await Expect(page.Locator("[data-testid=register-confirmation]")).ToContainTextAsync(email);
        await page.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(email, "Confirm your Speedera account"));
        await LogInAsync(page, email, Password);

        await page.GotoAsync("/api-keys");
        await page.FillAsync("#key-name", "screenshots");
        await page.ClickAsync("[data-testid=create-key]");
        var key = (await page.Locator("[data-testid=api-key-value]").TextContentAsync())!.Trim();
        var auth = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key };

        async Task<Guid> PostAsync(string path, object body)
        {
            var response = await page.APIRequest.PostAsync(path, new APIRequestContextOptions { Headers = auth, DataObject = body });
            Assert.True(response.Ok, $"POST {path}: {response.Status} {await response.TextAsync()}");
            return Guid.Parse((await response.JsonAsync())!.Value.GetProperty("id").GetString()!);
        }

        var label = "scr" + Guid.NewGuid().ToString("N")[..8];
        var gtm = await PostAsync("/api/v1/domains", new { name = label, gtm = true });
        var put = await page.APIRequest.PutAsync($"/api/v1/domains/{gtm}/gtm", new APIRequestContextOptions
        {
            Headers = auth,
            DataObject = new
            {
                addresses = new object[]
                {
                    new { address = "127.0.0.71", description = "web A", popId = "sjc", weight = 2, hiddenFailover = false },
                    new { address = "127.0.0.72", description = "web B", popId = "lhr", weight = 1, hiddenFailover = false },
                    new { address = "127.0.0.73", description = "standby", popId = "iad", weight = 1, hiddenFailover = true },
                },
                testType = "Tcp", testPort = 9, testPath = "/", testExpectedStatus = 200, testIntervalSeconds = 10, testTimeoutSeconds = 2, ttlSeconds = 30,
            },
        });
        Assert.True(put.Ok, $"PUT gtm: {put.Status} {await put.TextAsync()}");
        var cdn = await PostAsync("/api/v1/domains", new { name = label + "c", cdn = true, gtm = false, origin = "127.0.0.1" });
        await PostAsync($"/api/v1/domains/{cdn}/purges", new { url = $"http://{label}c.speedera.net/images/", soft = false });
        return (page, organization, (gtm, cdn));
    }

    private static async Task<string?> CustomerDetailPathAsync(IPage finance, string organization)
    {
        await finance.GotoAsync("/finance/customers");
        await finance.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await finance.FillAsync("[data-testid=customer-table] input", organization);
        var link = finance.Locator("[data-testid=customer-table] a[href*='finance/customers/']").First;
        try
        {
            await link.WaitForAsync(new() { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            return null;
        }

        var href = await link.GetAttributeAsync("href");
        return href is null ? null : "/" + Regex.Replace(href, "^(https?://[^/]+)?/?", "");
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
