using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>A portal with its embedded edge and alert thresholds a journey can wait for.</summary>
public sealed class StatusEdgeFixture : BrowserFixture
{
    public int CachePort { get; } = PortalProcess.FreePort();

    public int DnsPort { get; } = PortalProcess.FreePort();

    protected override IDictionary<string, string> PortalEnvironment => new Dictionary<string, string>
    {
        ["Speedera__EmbeddedEdge__Enabled"] = "true",
        ["Speedera__EmbeddedEdge__DnsListen"] = $"127.0.0.1:{DnsPort}",
        ["Speedera__EmbeddedEdge__CacheListen"] = $"127.0.0.1:{CachePort}",
        ["Speedera__EmbeddedEdge__MetricsListen"] = $"127.0.0.1:{PortalProcess.FreePort()}",
        ["Speedera__EmbeddedEdge__LoadPListen"] = $"127.0.0.1:{PortalProcess.FreePort()}",
        ["Speedera__EmbeddedEdge__ServeDemoServers"] = "false",
        ["Speedera__Alerts__RateWindow"] = "00:01:00",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!Portal.Output.Contains("Embedded edge node embedded started", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The embedded edge node did not start:\n" + Portal.OutputTail());
            }

            await Task.Delay(200);
        }
    }
}

/// <summary>
/// A customer's origin stops behind the CDN: the alert opens an incident that the public status page, served by the
/// edge's cache role for status.speedera.net, shows in Chromium and in its Atom feed; the origin returns and the
/// incident clears there too. The NOC wall board and incidents page are photographed on the way.
/// </summary>
public sealed class StatusPageJourneyTests(StatusEdgeFixture fixture) : IClassFixture<StatusEdgeFixture>, IAsyncLifetime
{
    private const string Password = "Status-Passw0rd!";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private IPlaywright? playwright;
    private IBrowser? browser;

    private string StatusUrl => $"http://status.speedera.net:{fixture.CachePort}/";

    public async Task InitializeAsync() => playwright = await Playwright.CreateAsync();

    /// <summary>
    /// Asks our own DNS (the embedded node's dns role) for status.speedera.net with dig, and starts Chromium resolving the
    /// name to the answered address, so the page is fetched the way a visitor's browser would: by name, from an edge
    /// node the DNS handed out, not from the portal.
    /// </summary>
    private async Task<IPAddress> LaunchBrowserThroughOurDnsAsync()
    {
        IPAddress? answered = null;
        var last = "";
        await EventuallyAsync("dig status.speedera.net answers with an edge node", async () =>
        {
            var psi = new ProcessStartInfo("dig") { RedirectStandardOutput = true };
            foreach (var arg in new[] { "@127.0.0.1", "-p", fixture.DnsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "status.speedera.net", "A", "+short", "+time=2", "+tries=1" })
            {
                psi.ArgumentList.Add(arg);
            }

            using var dig = Process.Start(psi)!;
            last = await dig.StandardOutput.ReadToEndAsync();
            await dig.WaitForExitAsync();
            answered = last.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => IPAddress.TryParse(l.Trim(), out var a) ? a : null).FirstOrDefault(a => a is not null);
            return answered is not null;
        }, TimeSpan.FromSeconds(90));
        // The embedded node is the only cache node serving the status site: the DNS hands out its address.
        Assert.True(IPAddress.Loopback.Equals(answered), $"dig status.speedera.net answered {last}");
        Console.WriteLine($"dig @127.0.0.1 -p {fixture.DnsPort} status.speedera.net A +short -> {answered}");
        browser = await playwright!.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", $"--host-resolver-rules=MAP status.speedera.net {answered}"],
        });
        return answered!;
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.CloseAsync();
        }

        playwright?.Dispose();
    }

    [Fact]
    public async Task Origin_stops_and_the_incident_shows_on_the_edge_status_page_and_feed_then_clears()
    {
        try
        {
            await JourneyAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}\n--- portal output ---\n{fixture.Portal.OutputTail(12000)}");
        }
    }

    private async Task JourneyAsync()
    {
        var key = await CustomerApiKeyAsync();
        using var api = new HttpClient { BaseAddress = new Uri(fixture.Portal.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var originPort = PortalProcess.FreePort();
        var origin = await TestOrigin.StartAsync(IPAddress.Loopback, originPort);
        var cdn = $"shop-{Guid.NewGuid():N}"[..16] + ".speedera.net";
        using (var created = await api.PostAsJsonAsync("/api/v1/domains", new { name = cdn, cdn = true, gtm = false, origin = "127.0.0.1" }, Json))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("id").GetGuid();
            using var cdnSettings = await api.PutAsJsonAsync($"/api/v1/domains/{id}/cdn",
                new { origin = "127.0.0.1", originScheme = "http", originPort, defaultTtlSeconds = 60, honorOriginHeaders = true }, Json);
            Assert.Equal(HttpStatusCode.OK, cdnSettings.StatusCode);
        }

        await EventuallyAsync("the edge serves the CDN hostname", async () => (await CacheGetAsync(cdn, "/img.png")) == HttpStatusCode.OK, TimeSpan.FromSeconds(60));
        await LaunchBrowserThroughOurDnsAsync();
        var page = await browser!.NewPageAsync();
        await EventuallyAsync("the edge serves the status page", async () =>
        {
            var response = await page.GotoAsync(StatusUrl);
            return response?.Status == 200;
        }, TimeSpan.FromSeconds(60));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Speedera Status");

        // The origin stops: visitors get 502s from the cache; the usage rollups carry them home.
        await origin.DisposeAsync();
        var down = Stopwatch.StartNew();
        for (var i = 0; i < 30; i++)
        {
            Assert.True(await CacheGetAsync(cdn, $"/gone-{i}.png") >= HttpStatusCode.InternalServerError);
        }

        await EventuallyAsync("the incident on the edge status page", async () =>
        {
            await page.GotoAsync(StatusUrl);
            return await page.Locator("[data-testid=incident]", new() { HasText = "Elevated origin errors for a customer site" }).CountAsync() > 0
                && await page.Locator("[data-testid=incident]", new() { HasText = "Investigating" }).CountAsync() > 0;
        }, TimeSpan.FromSeconds(120));
        var toPage = down.Elapsed;
        var atom = await EdgeTextAsync("/history.atom");
        Assert.Contains("Elevated origin errors for a customer site", atom, StringComparison.Ordinal);
        Assert.DoesNotContain(cdn, atom, StringComparison.Ordinal);
        await ShotsAsync(page, StatusUrl, "status-page-incident");
        var feedDir = Path.Combine(ScreenshotDir, "..", "..", "status");
        Directory.CreateDirectory(feedDir);
        await File.WriteAllTextAsync(Path.Combine(feedDir, "history.atom"), atom);
        await File.WriteAllTextAsync(Path.Combine(feedDir, "history.rss"), await EdgeTextAsync("/history.rss"));
        await File.WriteAllTextAsync(Path.Combine(feedDir, "summary.json"), await EdgeTextAsync("/summary.json"));

        var noc = await AdminPageAsync();
        await noc.GotoAsync("/noc/wallboard");
        await Expect(noc.Locator("[data-testid=wb-alerts]")).ToContainTextAsync("Origin errors for " + cdn);
        // The map: country shapes from the shared WorldMap, each POP at its coordinates coloured by its health.
        Assert.True(await noc.Locator("[data-testid=wb-world] path.wm-country").CountAsync() > 100, "the wall board map has no country shapes");
        Assert.Equal(7, await noc.Locator("[data-testid=wb-world] g.wb-pop").CountAsync());
        Assert.NotEqual("idle", await noc.Locator("[data-testid=wb-world] g.wb-pop[data-pop=fra]").GetAttributeAsync("data-health")); // the embedded node's POP
        await ShotsAsync(noc, "/noc/wallboard", "wallboard-incident", fixture.Portal.BaseUrl);
        await noc.GotoAsync("/noc/incidents");
        await Expect(noc.Locator("[data-testid=incident-list]")).ToContainTextAsync("Elevated origin errors");
        // The origin incident (not whichever the list shows first), and patience for a circuit on a loaded machine.
        // A click on the pre-rendered list before the circuit is up is lost: click again until the timeline opens.
        for (int attempt = 1; ; attempt++)
        {
            await noc.Locator("[data-testid=incident-list] [data-incident]", new() { HasText = "Elevated origin errors" }).First.ClickAsync();
            try
            {
                await Expect(noc.Locator("[data-testid=timeline]")).ToContainTextAsync("Origin errors for " + cdn, new() { Timeout = 15_000 });
                break;
            }
            catch (PlaywrightException) when (attempt < 4)
            {
            }
        }
        await ShotsAsync(noc, null, "incidents-page", fixture.Portal.BaseUrl);

        // The origin returns and answers again: the error share falls below the limit, the alert clears.
        await using var back = await TestOrigin.StartAsync(IPAddress.Loopback, originPort);
        var up = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await CacheGetAsync(cdn, "/health"));
        }

        await EventuallyAsync("the resolved incident on the edge status page", async () =>
        {
            await page.GotoAsync(StatusUrl);
            return await page.Locator("[data-testid=incident]", new() { HasText = "the signals that raised it are back to normal" }).CountAsync() > 0;
        }, TimeSpan.FromSeconds(120));
        var toClear = up.Elapsed;
        Assert.Contains("back to normal", await EdgeTextAsync("/history.atom"), StringComparison.Ordinal);
        await ShotsAsync(page, StatusUrl, "status-page-resolved");
        await noc.GotoAsync("/noc/wallboard");
        await ShotsAsync(noc, "/noc/wallboard", "wallboard", fixture.Portal.BaseUrl);
        // The portal's copy of the page (its CSP allows no inline styles: the stylesheet is a file) and the feeds.
        await noc.GotoAsync("/status/");
        await Expect(noc.Locator("h1")).ToHaveTextAsync("Speedera Status");
        // Unstyled (a blocked inline <style>), the banner would have no background colour.
        Assert.NotEqual("rgba(0, 0, 0, 0)", await noc.Locator("[data-testid=status-indicator]").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        await ShotsAsync(noc, fixture.Portal.BaseUrl.TrimEnd('/') + "/status/", "portal-status-copy");
        await ShotsAsync(page, StatusUrl + "history.atom", "feed-atom");
        await ShotsAsync(page, StatusUrl + "history.rss", "feed-rss");
        Console.WriteLine($"origin down -> incident on the edge status page after {toPage.TotalSeconds:F1} s; origin back -> resolved after {toClear.TotalSeconds:F1} s");
    }

    private static string ScreenshotDir => Path.Combine(BrowserFixture.ScreenshotDirectory, "noc");

    /// <summary>Light and dark screenshots: the status page follows prefers-color-scheme, the portal its theme cookie.</summary>
    private async Task ShotsAsync(IPage page, string? url, string name, string? portal = null)
    {
        Directory.CreateDirectory(ScreenshotDir);
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await page.EmulateMediaAsync(new() { ColorScheme = scheme });
            var mode = scheme == ColorScheme.Dark ? "dark" : "light";
            if (portal is not null)
            {
                await page.Context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = "speedera.theme", Value = mode, Url = portal }]);
                await page.ReloadAsync();
                await page.WaitForTimeoutAsync(500);
            }
            else if (url is not null)
            {
                await page.GotoAsync(url);
            }

            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, $"{name}-{mode}.png"), FullPage = true });
        }
    }

    private async Task<string> CustomerApiKeyAsync()
    {
        var page = await fixture.NewPageAsync();
        var email = $"status-{Guid.NewGuid():N}@example.test";
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.OrganizationName", "Status Shop");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await page.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(email, "Confirm your Speedera account"));
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.ClickAsync("[data-testid=login-submit]");
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(email);
        await page.GotoAsync("/api-keys");
        await page.FillAsync("#key-name", "status journey");
        await page.ClickAsync("[data-testid=create-key]");
        var key = (await page.Locator("[data-testid=api-key-value]").TextContentAsync())?.Trim();
        Assert.False(string.IsNullOrEmpty(key), "no API key shown");
        return key!;
    }

    private async Task<IPage> AdminPageAsync()
    {
        var page = await fixture.NewPageAsync();
        await page.SetViewportSizeAsync(1600, 1000);
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", PortalProcess.AdminEmail);
        await page.FillAsync("#Input\\.Password", PortalProcess.AdminPassword);
        await page.ClickAsync("[data-testid=login-submit]");
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(PortalProcess.AdminEmail);
        return page;
    }

    private async Task<HttpStatusCode> CacheGetAsync(string host, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(15) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{fixture.CachePort}{path}");
        request.Headers.Host = host;
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<string> EdgeTextAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{fixture.CachePort}{path}");
        request.Headers.Host = "status.speedera.net";
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task EventuallyAsync(string what, Func<Task<bool>> condition, TimeSpan patience)
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
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or PlaywrightException)
            {
                last = ex;
            }

            await Task.Delay(1000);
        }

        throw new TimeoutException($"{what}: not within {patience}" + (last is null ? "" : $" (last error: {last.Message})"));
    }
}
