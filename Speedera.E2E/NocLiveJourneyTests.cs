using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>
/// A NOC operator keeps the Nodes page open while an Admin publishes (a roll back) on the Configuration
/// page: the embedded node's applied version changes in place, from its heartbeat, without a reload.
/// </summary>
public sealed class NocLiveJourneyTests(EmbeddedEdgeFixture fixture) : IClassFixture<EmbeddedEdgeFixture>
{
    [Fact]
    public async Task Noc_operator_watches_a_nodes_applied_version_change_live_after_a_publish()
    {
        var nodes = await fixture.NewPageAsync();
        await LogInAsync(nodes);
        await CustomerNetworkJourneyTests.VisitAsync(nodes, "/noc/nodes");
        var applied = nodes.Locator("tr:has(code[data-node=embedded]) [data-testid=applied-version]");
        await Expect(applied).Not.ToHaveAttributeAsync("data-version", "", new() { Timeout = 60_000 });

        // Enrol a node through the form (a published version of its own), so there is a version to roll back to.
        var nodeId = "e2e-" + Guid.NewGuid().ToString("N")[..6];
        await nodes.FillAsync(CustomerNetworkJourneyTests.Field("enrol-node-id"), nodeId);
        // A probe-only node needs no endpoint and changes nothing the DNS hands out.
        await nodes.SetCheckedAsync(CustomerNetworkJourneyTests.Field("enrol-cache"), false);
        await nodes.ClickAsync("[data-testid=enrol]");
        await Expect(nodes.Locator(".mud-snackbar").Last).ToContainTextAsync($"Node {nodeId} enrolled");
        await Expect(nodes.Locator($"code[data-node='{nodeId}']")).ToBeVisibleAsync();
        await nodes.EvaluateAsync("() => { window.__speederaNoReload = true; }");

        var configuration = await nodes.Context.NewPageAsync();
        await CustomerNetworkJourneyTests.VisitAsync(configuration, "/noc/configuration");
        var latest = long.Parse((await configuration.Locator("[data-testid=latest-version]").TextContentAsync())!.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await configuration.ClickAsync($"[data-testid=rollback-{latest - 1}]");
        await Expect(configuration.Locator("[data-testid=confirm-dialog], .mud-dialog").First).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(configuration, "/noc/configuration (roll back dialog)");
        await configuration.ClickAsync("[data-testid=confirm-ok]");
        await Expect(configuration.Locator(".mud-snackbar").Last).ToContainTextAsync($"Published version {latest + 1}");
        await Expect(configuration.Locator("[data-testid=latest-version]")).ToHaveTextAsync($"{latest + 1}");
        // The rollout table follows the node onto the new version as well.
        await Expect(configuration.Locator($"[data-testid=rollout] tr[data-version='{latest + 1}'] [data-node=embedded]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await BrowserFixture.ScreenshotAsync(configuration, "noc-configuration-rollout");

        await Expect(applied).ToHaveAttributeAsync("data-version", $"{latest + 1}", new() { Timeout = 60_000 });
        Assert.True(await nodes.EvaluateAsync<bool>("() => window.__speederaNoReload === true"), "the nodes page reloaded instead of updating in place");
        await BrowserFixture.ScreenshotAsync(nodes, "noc-nodes-live-version");
    }

    private static async Task LogInAsync(IPage page)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", PortalProcess.AdminEmail);
        await page.FillAsync("#Input\\.Password", PortalProcess.AdminPassword);
        await page.ClickAsync("[data-testid=login-submit]");
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(PortalProcess.AdminEmail);
    }
}
