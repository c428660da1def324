using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>
/// A customer sends Europe to London and the US to Ashburn on the region editor, the embedded dns node
/// answers dig +subnet accordingly (geo data compiled and signed by the control plane, pulled by the node),
/// then the what-if view replays the clients the node saw and the explainer shows a decision step by step.
/// Screenshots in light and dark go to test-output/screenshots/gtm/.
/// </summary>
public sealed class GtmRegionsJourneyTests(EmbeddedEdgeFixture fixture) : IClassFixture<EmbeddedEdgeFixture>
{
    private const string Password = "Regions-Passw0rd!";
    private const string London = "127.0.0.61";
    private const string Ashburn = "127.0.0.62";

    [Fact]
    public async Task Customer_routes_europe_to_london_and_the_us_to_ashburn_then_simulates_and_explains()
    {
        try
        {
            await JourneyAsync();
        }
        catch
        {
            Console.WriteLine(fixture.Portal.OutputTail());
            throw;
        }
    }

    private async Task JourneyAsync()
    {
        var page = await SignUpAndLogInAsync();
        var name = $"track-{Guid.NewGuid().ToString("N")[..8]}.speedera.net";
        await page.GotoAsync("/domains");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        // The domain form is interactive MudBlazor (same steps as CustomerNetworkJourneyTests); the kind defaults to a service-zone name.
        await page.FillAsync(CustomerNetworkJourneyTests.Field("domain-name-input"), name);
        await page.SetCheckedAsync(CustomerNetworkJourneyTests.Field("domain-gtm"), true);
        await page.SetCheckedAsync(CustomerNetworkJourneyTests.Field("domain-cdn"), false);
        await page.ClickAsync("[data-testid=add-domain]");
        await Expect(page).ToHaveURLAsync(new Regex("/domains/[0-9a-f-]{36}$"), new() { Timeout = 30_000 });
        var id = page.Url[^36..];

        // Real origins the probes test: a POP failure in the what-if then means what it means on the network.
        var port = FreePortOn(IPAddress.Parse(London));
        await using var london = await TestOrigin.StartAsync(IPAddress.Parse(London), port);
        await using var ashburn = await TestOrigin.StartAsync(IPAddress.Parse(Ashburn), port);
        await page.GotoAsync($"/gtm/{id}");
        await page.FillAsync("[data-testid=address-0]", London);
        await CustomerNetworkJourneyTests.ChooseAsync(page, "pop-0", @"\(lhr,", regex: true);
        await page.FillAsync("[data-testid=address-1]", Ashburn);
        await CustomerNetworkJourneyTests.ChooseAsync(page, "pop-1", @"\(iad,", regex: true);
        await CustomerNetworkJourneyTests.ChooseAsync(page, "test-type", "HTTP");
        await page.FillAsync("#test-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync("#test-path", "/health");
        await page.FillAsync("#test-interval", "1");
        await page.FillAsync("#test-timeout", "1");
        await page.FillAsync("#ttl", "1");
        await page.ClickAsync("[data-testid=save-gtm]");
        await Expect(page.Locator("[data-testid=save-result]")).ToContainTextAsync("Saved");

        await page.ClickAsync("[data-testid=regions-link]");
        await Expect(page.Locator("[data-testid=region-editor]")).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await AddRuleAsync(page, 0, null, "Europe (EU)", London);
        await AddRuleAsync(page, 1, "Country", "United States (US)", Ashburn);
        await page.ClickAsync("[data-testid=save-regions]");
        await Expect(page.Locator("[data-testid=region-saved]")).ToContainTextAsync("Saved");
        await Expect(page.Locator("[data-testid=geo-attribution]")).ToContainTextAsync("DB-IP");
        await ShootAsync(page, "region-editor-light");

        // The map colours each country by where its rule sends it: France (Europe) like London, the US like Ashburn.
        var map = page.Locator("[data-testid=region-map]");
        var londonColour = await page.Locator($"[data-testid=region-legend] li[data-target='{London}'] span").GetAttributeAsync("style");
        Assert.Contains(ColourIn(londonColour), await map.Locator("path[data-country=FR]").GetAttributeAsync("style") ?? "", StringComparison.Ordinal);
        var ashburnColour = ColourIn(await page.Locator($"[data-testid=region-legend] li[data-target='{Ashburn}'] span").GetAttributeAsync("style"));
        Assert.Contains(ashburnColour, await map.Locator("path[data-country=US]").GetAttributeAsync("style") ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain("fill:", await map.Locator("path[data-country=BR]").GetAttributeAsync("style") ?? "", StringComparison.Ordinal);

        // Clicking Brazil on the map and sending it to Ashburn adds a pending country rule and colours it.
        await map.Locator("path[data-country=BR]").ClickAsync();
        await Expect(page.Locator("[data-testid=map-selection-route]")).ToContainTextAsync("all addresses");
        await SelectAsync(page, "[data-testid=map-target]", $"{Ashburn} (Ashburn)");
        await page.ClickAsync("[data-testid=map-send-country]");
        await Expect(page.Locator("[data-testid=rule-2-code]")).ToContainTextAsync("Brazil");
        await Expect(page.Locator("[data-testid=map-selection-route]")).ToContainTextAsync("country rule BR");
        Assert.Contains(ashburnColour, await map.Locator("path[data-country=BR]").GetAttributeAsync("style") ?? "", StringComparison.Ordinal);
        await ShootAsync(page, "region-map-light");
        await page.Locator("[data-testid=rule-2] button[aria-label='Remove rule 3']").ClickAsync();
        await Expect(page.Locator("[data-testid=rule-2]")).ToHaveCountAsync(0);

        // The node pulls the signed geo file and the new configuration; dig then gets each region's address.
        // Until the node applies the version with the rules, it answers the previous version (no rules: either address by
        // weight), so one lucky pair of answers proves nothing: wait until several in a row all follow the rules.
        await EventuallyAsync("Europe → London and US → Ashburn over dig +subnet", async () =>
        {
            for (int i = 0; i < 4; i++)
            {
                if (await DigAsync(name, "193.0.6.0/24") != London || await DigAsync(name, "18.130.0.0/24") != London
                    || await DigAsync(name, "52.95.110.0/24") != Ashburn)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(90));
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(London, await DigAsync(name, "18.130.0.0/24"));
            Assert.Equal(Ashburn, await DigAsync(name, "52.95.110.0/24"));
        }

        // What if London fails: once the node's per-minute client groups arrive, Europe's clients move to Ashburn.
        await SelectAsync(page, "[data-testid=fail-pops]", "London");
        await EventuallyAsync("the what-if view to see the clients dig sent", async () =>
        {
            await page.ClickAsync("[data-testid=run-what-if]");
            var summary = page.Locator("[data-testid=what-if-summary]");
            await summary.WaitForAsync();
            return !(await summary.InnerTextAsync()).StartsWith("0 client groups", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(150), TimeSpan.FromSeconds(5));
        await Expect(page.Locator("[data-testid=what-if-changed]")).ToContainTextAsync("193.0.6.0/24");
        await Expect(page.Locator("[data-testid=what-if-pops] tr[data-key=lhr]")).ToBeVisibleAsync();

        await page.Locator("[data-testid=explain-client]").Locator("xpath=self::input | .//input").First.FillAsync("193.0.6.0/24");
        await page.ClickAsync("[data-testid=run-explain]");
        await Expect(page.Locator("[data-testid=explain-steps]")).ToContainTextAsync("Netherlands");
        await Expect(page.Locator("[data-testid=explain-answer]")).ToContainTextAsync(London);
        await Expect(page.Locator("[data-testid=explain-source]")).ToContainTextAsync("control plane");
        // On the what-if map the Dutch clients are coloured by their POP after London fails, and outlined: they move.
        await Expect(page.Locator("[data-testid=what-if-map] path[data-country=NL]")).ToHaveAttributeAsync("style", new Regex("fill:#[0-9a-f]{6};stroke:currentColor"));
        await ShootAsync(page, "regions-light");

        // The same question answered with the embedded dns node's own tables (it reports them every 15 s).
        await EventuallyAsync("the dns node's reported tables in the explainer", async () =>
        {
            await page.ClickAsync("[data-testid=run-explain]");
            await page.ClickAsync("[data-testid=explain-node]");
            var option = page.Locator(".mud-popover-open .mud-list-item").GetByText(new Regex("^dns node "));
            if (await option.CountAsync() == 0)
            {
                await page.Keyboard.PressAsync("Escape");
                return false;
            }

            await option.First.ClickAsync();
            await page.ClickAsync("[data-testid=run-explain]");
            return (await page.Locator("[data-testid=explain-source]").InnerTextAsync()).Contains("its own service and latency tables", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3));
        await Expect(page.Locator("[data-testid=explain-answer]")).ToContainTextAsync(London);
        await ShootAsync(page, "explain-node-light");

        await page.ClickAsync("[data-testid=theme-toggle] button");
        await Expect(page.Locator("[data-testid=theme-stylesheet]")).ToHaveAttributeAsync("href", "theme/dark.css");
        if (!await page.Locator("[data-testid=explain-steps]").IsVisibleAsync())
        {
            await page.GotoAsync($"/gtm/{id}/regions");
            await Expect(page.Locator("[data-testid=region-editor]")).ToBeVisibleAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await SelectAsync(page, "[data-testid=fail-pops]", "London");
            await page.ClickAsync("[data-testid=run-what-if]");
            await page.Locator("[data-testid=explain-client]").Locator("xpath=self::input | .//input").First.FillAsync("193.0.6.0/24");
            await page.ClickAsync("[data-testid=run-explain]");
            await Expect(page.Locator("[data-testid=explain-steps]")).ToContainTextAsync("Netherlands");
        }

        await ShootAsync(page, "regions-dark");
    }

    private static async Task AddRuleAsync(IPage page, int index, string? kind, string region, string target)
    {
        await page.ClickAsync("[data-testid=add-rule]");
        var row = page.Locator($"[data-testid=rule-{index}]");
        await row.WaitForAsync();
        if (kind is not null)
        {
            await row.Locator(".mud-select").First.ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item").GetByText(kind, new() { Exact = true }).ClickAsync();
        }

        await row.Locator($"[data-testid=rule-{index}-code]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").GetByText(region, new() { Exact = true }).ClickAsync();
        await row.Locator($"[data-testid=rule-{index}-targets] .mud-select").First.ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").GetByText(new Regex("^" + Regex.Escape(target))).ClickAsync();
        await Expect(row.Locator($"[data-testid=rule-{index}-targets]")).ToContainTextAsync(target);
    }

    /// <summary>The colour in a legend swatch's style ("...;background:#4e79a7").</summary>
    private static string ColourIn(string? style) => Regex.Match(style ?? "", "#[0-9a-f]{6}").Value is { Length: 7 } c ? c : throw new InvalidOperationException($"no colour in '{style}'");

    private static async Task SelectAsync(IPage page, string select, string item)
    {
        await page.ClickAsync(select);
        await page.Locator(".mud-popover-open .mud-list-item").GetByText(item, new() { Exact = true }).ClickAsync();
        await page.Keyboard.PressAsync("Escape");
    }

    private static async Task ShootAsync(IPage page, string name)
    {
        Directory.CreateDirectory(Path.Combine(BrowserFixture.ScreenshotDirectory, "gtm"));
        await BrowserFixture.ScreenshotAsync(page, Path.Combine("gtm", name));
    }

    private static int FreePortOn(IPAddress address)
    {
        using var listener = new System.Net.Sockets.TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<string?> DigAsync(string name, string subnet)
    {
        var start = new ProcessStartInfo("/usr/bin/dig") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "@127.0.0.1", "-p", fixture.DnsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), name, "A", "+short", "+time=2", "+tries=1", $"+subnet={subnet}" })
        {
            start.ArgumentList.Add(arg);
        }

        using var dig = Process.Start(start)!;
        var output = await dig.StandardOutput.ReadToEndAsync();
        await dig.WaitForExitAsync();
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
    }

    private async Task<IPage> SignUpAndLogInAsync()
    {
        var page = await fixture.NewPageAsync();
        var email = $"regions-{Guid.NewGuid():N}@example.test";
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.OrganizationName", "Tracking Ltd");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await Expect(page.Locator("[data-testid=register-confirmation]")).ToContainTextAsync(email);
        await page.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(email, "Confirm your Speedera account"));
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.ClickAsync("[data-testid=login-submit]");
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(email);
        return page;
    }

    private async Task EventuallyAsync(string what, Func<Task<bool>> condition, TimeSpan patience, TimeSpan? pause = null)
    {
        var deadline = DateTime.UtcNow + patience;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
            {
                last = ex;
            }

            await Task.Delay(pause ?? TimeSpan.FromSeconds(1));
        }

        throw new TimeoutException($"Waited {patience.TotalSeconds:0} s for {what}; it never happened.{(last is null ? "" : " Last error: " + last.Message)}\nPortal output:\n{fixture.Portal.OutputTail()}");
    }
}
