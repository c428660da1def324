using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>A portal whose embedded edge is driven by the Development traffic generator (real DNS queries and HTTP requests).</summary>
public sealed class TrafficFixture : BrowserFixture
{
    public int DnsPort { get; } = PortalProcess.FreePort();

    public int CachePort { get; } = PortalProcess.FreePort();

    protected override IDictionary<string, string> PortalEnvironment => new Dictionary<string, string>
    {
        ["Speedera__EmbeddedEdge__Enabled"] = "true",
        ["Speedera__EmbeddedEdge__DnsListen"] = $"127.0.0.1:{DnsPort}",
        ["Speedera__EmbeddedEdge__CacheListen"] = $"127.0.0.1:{CachePort}",
        ["Speedera__EmbeddedEdge__MetricsListen"] = $"127.0.0.1:{PortalProcess.FreePort()}",
        ["Speedera__EmbeddedEdge__LoadPListen"] = $"127.0.0.1:{PortalProcess.FreePort()}",
        ["Speedera__EmbeddedEdge__ServeDemoServers"] = "false",
        ["Speedera__Demo__TrafficGenerator__Enabled"] = "true",
        ["Speedera__Demo__TrafficGenerator__QueriesPerSecond"] = "4",
        ["Speedera__Demo__TrafficGenerator__RequestsPerSecond"] = "4",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!Portal.Output.Contains("Embedded edge node embedded started", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || Portal.Output.Contains("Embedded edge node failed to start", StringComparison.Ordinal))
            {
                throw new TimeoutException("The embedded edge node did not start:\n" + Portal.OutputTail());
            }

            await Task.Delay(200);
        }
    }
}

/// <summary>
/// A customer's hostnames get real traffic (the generator's DNS queries with client subnets and HTTP requests through
/// the embedded edge); the real-time panel, the 24-hour graphs, the maps, the CSV exports and the REST API show it.
/// </summary>
public sealed class TrafficJourneyTests(TrafficFixture fixture) : IClassFixture<TrafficFixture>
{
    private const string Password = "Traffic-Passw0rd!";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Traffic_through_the_edge_shows_live_then_in_the_graphs_maps_csv_and_api()
    {
        try
        {
            await JourneyAsync();
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}\nPortal output:\n{fixture.Portal.OutputTail()}");
        }
    }

    private async Task JourneyAsync()
    {
        var page = await SignUpAndLogInAsync("Traffic Watchers Ltd");
        await page.GotoAsync("/api-keys");
        await page.FillAsync("#key-name", "traffic e2e");
        await page.ClickAsync("[data-testid=create-key]");
        var key = (await page.Locator("[data-testid=api-key-value]").TextContentAsync())?.Trim();
        Assert.False(string.IsNullOrEmpty(key), "no API key shown on /api-keys");
        using var api = new HttpClient { BaseAddress = new Uri(fixture.Portal.BaseUrl), Timeout = TimeSpan.FromSeconds(15) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // A CDN hostname in front of a test origin, and a GTM hostname over two servers in two POPs.
        await using var origin = await TestOrigin.StartAsync(IPAddress.Loopback, FreePortOn(IPAddress.Loopback));
        var cdn = $"tcdn-{Suffix()}.speedera.net";
        var cdnId = (await SendAsync(api, HttpMethod.Post, "/api/v1/domains", new { name = cdn, cdn = true, gtm = false, origin = "127.0.0.1" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await SendAsync(api, HttpMethod.Put, $"/api/v1/domains/{cdnId}/cdn", new { origin = "127.0.0.1", originScheme = "http", originPort = origin.EndPoint.Port, defaultTtlSeconds = 3600, honorOriginHeaders = true }, HttpStatusCode.OK);

        var first = IPAddress.Parse("127.0.0.71");
        var second = IPAddress.Parse("127.0.0.72");
        var port = FreePortOn(first);
        await using var gtmA = await TestOrigin.StartAsync(first, port);
        await using var gtmB = await TestOrigin.StartAsync(second, port);
        var shop = $"tgtm-{Suffix()}.speedera.net";
        var shopId = (await SendAsync(api, HttpMethod.Post, "/api/v1/domains", new { name = shop, kind = "service-zone", cdn = false, gtm = true }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await SendAsync(api, HttpMethod.Put, $"/api/v1/domains/{shopId}/gtm", new
        {
            addresses = new[]
            {
                new { address = first.ToString(), description = "shop A", popId = "sjc", weight = 1, hiddenFailover = false },
                new { address = second.ToString(), description = "shop B", popId = "lhr", weight = 1, hiddenFailover = false },
            },
            testType = "Http", testPort = port, testPath = "/health", testExpectedStatus = 200, testExpectedContent = "ok",
            testIntervalSeconds = 1, testTimeoutSeconds = 1, ttlSeconds = 1, useLatency = true, persistenceEnabled = false,
        }, HttpStatusCode.OK);

        // Real time: the panel moves within seconds of the generator's first requests.
        var started = DateTime.UtcNow;
        await page.GotoAsync($"/traffic/{cdnId}");
        await Expect(page.Locator("[data-testid=realtime-panel]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await EventuallyAsync("the real-time panel shows requests", async () =>
        {
            var now = await page.Locator("[data-testid=realtime-now]").TextContentAsync() ?? "";
            return !now.TrimStart().StartsWith("0 req/s", StringComparison.Ordinal) && await page.Locator("[data-testid=chart-realtime-requests] .apexcharts-series path").CountAsync() > 0;
        });
        var realtimeAfter = DateTime.UtcNow - started;

        // The minute rollups: the 24-hour graphs fill once the first minute has been uploaded.
        await EventuallyAsync("the 24-hour graphs show requests", async () =>
        {
            var traffic = await SendAsync(api, HttpMethod.Get, $"/api/v1/domains/{cdnId}/traffic", null, HttpStatusCode.OK);
            return traffic.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty("requests").GetInt64()) > 0;
        }, TimeSpan.FromSeconds(3));
        var graphAfter = DateTime.UtcNow - started;
        await page.GotoAsync($"/traffic/{cdnId}");
        await Expect(page.Locator("[data-testid=usage-totals]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        // A regular expression: Playwright trims an expected string, so " 0 requests" would also match "180 requests".
        await Expect(page.Locator("[data-testid=usage-totals]")).Not.ToHaveTextAsync(new Regex(@"^\s*0 requests"), new() { Timeout = 30_000 });
        foreach (var chart in new[] { "bytes", "hits", "ratio", "origin", "status", "pops" })
        {
            await Expect(page.Locator($"[data-testid=chart-{chart}] .apexcharts-canvas")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            Assert.True(int.Parse(await page.Locator($"[data-testid=chart-{chart}]").GetAttributeAsync("data-points") ?? "0") > 0, $"chart {chart} has no points");
        }

        await Expect(page.Locator("[data-testid=usage-map] circle.wm-marker:not(.wm-idle)")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid=usage-map] path.wm-country")).Not.ToHaveCountAsync(0);
        await ScreenshotsAsync(page, "traffic-cdn");

        // CSV of exactly the plotted table, with the session cookie.
        var href = await page.Locator("[data-testid=csv-hits]").GetAttributeAsync("href");
        var csv = await (await page.APIRequest.GetAsync(href!)).TextAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,Requests/s,Previous day", lines[0]);
        Assert.True(lines.Length > 200, $"CSV has {lines.Length} lines");
        Assert.Contains(lines.Skip(1), l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture) > 0);

        // The same data from the REST API, JSON and CSV; another organization's id is not found.
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/domains/{cdnId}/traffic?step=1m&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}"))
        {
            request.Headers.Accept.ParseAdd("text/csv");
            using var response = await api.SendAsync(request);
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            var body = await response.Content.ReadAsStringAsync();
            Assert.StartsWith("time,requests,bytes_to_clients", body, StringComparison.Ordinal);
        }

        using (var response = await api.GetAsync($"/api/v1/domains/{Guid.NewGuid()}/traffic"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // Traffic management: answers per address with reasons, where clients were sent, where the visitors are.
        await EventuallyAsync("the decision graphs show answers", async () =>
        {
            var decisions = await SendAsync(api, HttpMethod.Get, $"/api/v1/domains/{shopId}/decisions?format=json", null, HttpStatusCode.OK);
            return decisions.GetProperty("points").GetArrayLength() > 0;
        }, TimeSpan.FromSeconds(3));
        await page.GotoAsync($"/traffic/{shopId}");
        await Expect(page.Locator("[data-testid=decision-section]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-testid=chart-decisions] .apexcharts-canvas")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.True(int.Parse(await page.Locator("[data-testid=chart-decisions]").GetAttributeAsync("data-series") ?? "0") >= 1);
        await Expect(page.Locator("[data-testid=chart-reasons] .apexcharts-canvas")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=visitor-table]")).ToContainTextAsync("/24");
        await Expect(page.Locator("[data-testid=decision-map] circle.wm-marker:not(.wm-idle)")).Not.ToHaveCountAsync(0);
        await ScreenshotsAsync(page, "traffic-gtm");
        Console.WriteLine($"traffic journey: real-time panel moved after {realtimeAfter.TotalSeconds:0.0} s, 24-hour graph after {graphAfter.TotalSeconds:0.0} s");
    }

    private static async Task ScreenshotsAsync(IPage page, string name)
    {
        foreach (var theme in new[] { "light", "dark" })
        {
            if (!(await page.Locator("[data-testid=theme-stylesheet]").GetAttributeAsync("href") ?? "").Contains(theme, StringComparison.Ordinal))
            {
                await page.ClickAsync("[data-testid=theme-toggle] button");
                await Expect(page.Locator("[data-testid=theme-stylesheet]")).ToHaveAttributeAsync("href", $"theme/{theme}.css");
                await page.ReloadAsync();
            }

            await Expect(page.Locator("[data-testid=chart-bytes] .apexcharts-canvas, [data-testid=chart-decisions] .apexcharts-canvas").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await page.WaitForTimeoutAsync(1500);
            await BrowserFixture.ScreenshotAsync(page, $"traffic/{name}-{theme}");
        }
    }

    private async Task<IPage> SignUpAndLogInAsync(string organization)
    {
        var page = await fixture.NewPageAsync();
        var email = $"traffic-{Guid.NewGuid():N}@example.test";
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.OrganizationName", organization);
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await Expect(page.Locator("[data-testid=register-confirmation]")).ToContainTextAsync(email);
        await page.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(email, "Confirm your Speedera account"));
        await Expect(page.Locator(".alert-success")).ToContainTextAsync("confirmed");
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.ClickAsync("[data-testid=login-submit]");
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(email);
        return page;
    }

    private static async Task<JsonElement> SendAsync(HttpClient api, HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
        using var response = await api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task EventuallyAsync(string what, Func<Task<bool>> condition, TimeSpan? pause = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(pause ?? TimeSpan.FromMilliseconds(500));
        }

        throw new TimeoutException($"Not within {Patience.TotalSeconds} s: {what}");
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private static int FreePortOn(IPAddress address)
    {
        using var listener = new System.Net.Sockets.TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
