using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>
/// A customer puts a shop behind Speedera's traffic management and a CDN hostname in front of an
/// origin, and sees it take effect in the embedded edge node: probes, DNS answers, cache and purge.
/// Once in Chromium, once through the REST API. Each test owns its loopback addresses.
/// </summary>
public sealed class CustomerNetworkJourneyTests(EmbeddedEdgeFixture fixture) : IClassFixture<EmbeddedEdgeFixture>
{
    private const string Password = "Network-Passw0rd!";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public Task Customer_in_the_browser_sees_origins_up_then_one_down_and_out_of_dns_and_purges_a_cached_url() =>
        WithPortalOutputOnFailureAsync(BrowserJourneyAsync);

    [Fact]
    public Task Customer_through_the_rest_api_sees_origins_up_then_one_down_and_out_of_dns_and_purges_a_cached_url() =>
        WithPortalOutputOnFailureAsync(ApiJourneyAsync);

    private async Task BrowserJourneyAsync()
    {
        var page = await SignUpAndLogInAsync("Shop Browser Ltd");
        var shop = $"shop-{Suffix()}.speedera.net";

        await VisitAsync(page, "/domains");
        await page.FillAsync(Field("domain-name-input"), shop);
        await page.SetCheckedAsync(Field("domain-gtm"), true);
        await page.SetCheckedAsync(Field("domain-cdn"), false);
        await page.ClickAsync("[data-testid=add-domain]");
        await Expect(page).ToHaveURLAsync(new Regex("/domains/[0-9a-f-]{36}$"), new() { Timeout = 30_000 });
        var shopId = page.Url[^36..];
        await Expect(page.Locator("[data-testid=domain-name]")).ToHaveTextAsync(shop);
        await Expect(page.Locator("[data-testid=dns-instructions]")).ToBeVisibleAsync();
        await Accessibility.AssertNoSeriousViolationsAsync(page, "/domains/{id}");
        await BrowserFixture.ScreenshotAsync(page, "network-dns-instructions");

        var first = IPAddress.Parse("127.0.0.41");
        var second = IPAddress.Parse("127.0.0.42");
        var port = FreePortOn(first);
        await using var originA = await TestOrigin.StartAsync(first, port);
        await using var originB = await TestOrigin.StartAsync(second, port);

        await VisitAsync(page, $"/gtm/{shopId}", "/gtm/{id}");
        await Expect(page.Locator("#access")).ToHaveValueAsync("300");
        await Expect(page.Locator("#refresh")).ToHaveValueAsync("3600");
        await page.FillAsync("[data-testid=address-0]", first.ToString());
        await page.FillAsync("[aria-label='Description 1']", "shop origin A");
        await page.FillAsync("[data-testid=address-1]", second.ToString());
        await page.FillAsync("[aria-label='Description 2']", "shop origin B");
        await ChooseAsync(page, "test-type", "HTTP");
        await page.FillAsync("#test-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.FillAsync("#test-path", "/health");
        await page.FillAsync("#test-interval", "1");
        await page.FillAsync("#test-timeout", "1");
        await page.FillAsync("#ttl", "1");
        await page.ClickAsync("[data-testid=save-gtm]");
        await Expect(page.Locator("[data-testid=save-result]")).ToContainTextAsync("Saved");

        var clock = Stopwatch.StartNew();
        await WaitForPageStatesAsync(page, $"/gtm/{shopId}", (first, "up"), (second, "up"));
        var upAfter = clock.Elapsed;
        await BrowserFixture.ScreenshotAsync(page, "network-gtm-live-up");
        await WaitUntilDnsHandsOutEachAsync(shop, first, second);

        await VisitAsync(page, "/domains");
        await Expect(page.Locator("[data-testid=domain-table]")).ToContainTextAsync(shop);
        await BrowserFixture.ScreenshotAsync(page, "network-domain-list");

        // The customer keeps the domain's page open and watches origin B go down without reloading.
        await VisitAsync(page, $"/domains/{shopId}", "/domains/{id}");
        await Expect(LiveRow(page, first)).ToHaveAttributeAsync("data-state", "up", new() { Timeout = 45_000 });
        await Expect(LiveRow(page, second)).ToHaveAttributeAsync("data-state", "up", new() { Timeout = 45_000 });
        await page.EvaluateAsync("() => { window.__speederaNoReload = true; }");
        await originB.StopAsync();
        clock.Restart();
        await Expect(LiveRow(page, second)).ToHaveAttributeAsync("data-state", "down", new() { Timeout = 45_000 });
        var downAfter = clock.Elapsed;
        await Expect(LiveRow(page, first)).ToHaveAttributeAsync("data-state", "up");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__speederaNoReload === true"), "the domain page reloaded instead of updating in place");
        await BrowserFixture.ScreenshotAsync(page, "network-domain-live-down");
        await WaitForPageStatesAsync(page, $"/gtm/{shopId}", (first, "up"), (second, "down"));
        await BrowserFixture.ScreenshotAsync(page, "network-gtm-live-down");
        var dnsAfter = await WaitUntilDnsExcludesAsync(shop, second, first);

        // CDN: a hostname in front of an origin on 127.0.0.1, its port set on the Content page.
        await using var cdnOrigin = await TestOrigin.StartAsync(IPAddress.Loopback, FreePortOn(IPAddress.Loopback));
        var cdn = $"cdn-{Suffix()}.speedera.net";
        await VisitAsync(page, "/domains");
        await page.FillAsync(Field("domain-name-input"), cdn);
        await page.SetCheckedAsync(Field("domain-gtm"), false);
        await page.SetCheckedAsync(Field("domain-cdn"), true);
        await page.FillAsync(Field("domain-origin"), "127.0.0.1");
        await page.ClickAsync("[data-testid=add-domain]");
        await Expect(page).ToHaveURLAsync(new Regex("/domains/[0-9a-f-]{36}$"), new() { Timeout = 30_000 });
        var cdnId = page.Url[^36..];

        await VisitAsync(page, $"/content/{cdnId}", "/content/{id}");
        await page.FillAsync(Field("cdn-origin"), "127.0.0.1");
        await page.FillAsync(Field("cdn-port"), cdnOrigin.EndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("[data-testid=cdn-save]");
        await Expect(page.Locator(".mud-snackbar").Last).ToContainTextAsync("Saved");

        var url = $"http://{cdn}/img.png";
        await AssertMissThenHitAsync(cdn, cdnOrigin);

        await page.FillAsync(Field("purge-url"), url);
        await page.ClickAsync("[data-testid=purge-submit]");
        await Expect(page.Locator("[data-testid=purge-history]")).ToContainTextAsync(url);
        clock.Restart();
        // The purge status per node updates in place as the node reports (no reload).
        var order = page.Locator("[data-testid=purge-history] [data-order]").First;
        await Expect(order).ToHaveAttributeAsync("data-done", "all", new() { Timeout = 45_000 });
        await Expect(order.Locator("[data-node=embedded]")).ToHaveAttributeAsync("data-status", "done");
        var purgeAfter = clock.Elapsed;
        await Accessibility.AssertNoSeriousViolationsAsync(page, "/content/{id} after a purge");
        await BrowserFixture.ScreenshotAsync(page, "network-purge-status");
        await AssertMissAsync(cdn, cdnOrigin, "after the purge");

        Console.WriteLine($"browser journey: both up after {upAfter.TotalSeconds:0.0} s, down after {downAfter.TotalSeconds:0.0} s, out of DNS after {dnsAfter.TotalSeconds:0.0} s, purge done after {purgeAfter.TotalSeconds:0.0} s");
    }

    private async Task ApiJourneyAsync()
    {
        var page = await SignUpAndLogInAsync("Shop Api Ltd");
        await VisitAsync(page, "/api-keys");
        await page.FillAsync("#key-name", "e2e script");
        await page.ClickAsync("[data-testid=create-key]");
        var key = (await page.Locator("[data-testid=api-key-value]").TextContentAsync())?.Trim();
        Assert.False(string.IsNullOrEmpty(key), "no API key shown on /api-keys");

        using var api = new HttpClient { BaseAddress = new Uri(fixture.Portal.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var first = IPAddress.Parse("127.0.0.51");
        var second = IPAddress.Parse("127.0.0.52");
        var port = FreePortOn(first);
        await using var originA = await TestOrigin.StartAsync(first, port);
        await using var originB = await TestOrigin.StartAsync(second, port);

        var shop = $"shop-{Suffix()}.speedera.net";
        var created = await SendAsync<JsonElement>(api, HttpMethod.Post, "/api/v1/domains", new { name = shop, kind = "service-zone", cdn = false, gtm = true }, HttpStatusCode.Created);
        var shopId = created.GetProperty("id").GetGuid();
        Assert.Equal(shop, created.GetProperty("name").GetString());

        await SendAsync<JsonElement>(api, HttpMethod.Put, $"/api/v1/domains/{shopId}/gtm", new
        {
            addresses = new[]
            {
                new { address = first.ToString(), description = "api origin A", popId = "sjc", weight = 1, hiddenFailover = false },
                new { address = second.ToString(), description = "api origin B", popId = "iad", weight = 1, hiddenFailover = false },
            },
            testType = "Http",
            testPort = port,
            testPath = "/health",
            testExpectedStatus = 200,
            testExpectedContent = "ok",
            testIntervalSeconds = 1,
            testTimeoutSeconds = 1,
            ttlSeconds = 1,
            useLatency = true,
            persistenceEnabled = false,
        }, HttpStatusCode.OK);

        var clock = Stopwatch.StartNew();
        await WaitForApiStatesAsync(api, shopId, (first, "up"), (second, "up"));
        var upAfter = clock.Elapsed;
        await WaitUntilDnsHandsOutEachAsync(shop, first, second);

        await originB.StopAsync();
        clock.Restart();
        await WaitForApiStatesAsync(api, shopId, (first, "up"), (second, "down"));
        var downAfter = clock.Elapsed;
        var dnsAfter = await WaitUntilDnsExcludesAsync(shop, second, first);

        await using var cdnOrigin = await TestOrigin.StartAsync(IPAddress.Loopback, FreePortOn(IPAddress.Loopback));
        var cdn = $"cdn-{Suffix()}.speedera.net";
        var cdnDomain = await SendAsync<JsonElement>(api, HttpMethod.Post, "/api/v1/domains", new { name = cdn, cdn = true, gtm = false, origin = "127.0.0.1" }, HttpStatusCode.Created);
        var cdnId = cdnDomain.GetProperty("id").GetGuid();
        await SendAsync<JsonElement>(api, HttpMethod.Put, $"/api/v1/domains/{cdnId}/cdn", new
        {
            origin = "127.0.0.1",
            originScheme = "http",
            originPort = cdnOrigin.EndPoint.Port,
            defaultTtlSeconds = 3600,
            honorOriginHeaders = true,
        }, HttpStatusCode.OK);

        await AssertMissThenHitAsync(cdn, cdnOrigin);

        var url = $"http://{cdn}/img.png";
        var purge = await SendAsync<JsonElement>(api, HttpMethod.Post, $"/api/v1/domains/{cdnId}/purges", new { url, soft = false }, HttpStatusCode.Accepted);
        var purgeId = purge.GetProperty("id").GetGuid();
        clock.Restart();
        await EventuallyAsync($"GET /api/v1/purges/{purgeId} reports the purge done on every node", async () =>
        {
            var status = await SendAsync<JsonElement>(api, HttpMethod.Get, $"/api/v1/purges/{purgeId}", null, HttpStatusCode.OK);
            var nodes = status.GetProperty("nodes").EnumerateArray().ToList();
            return nodes.Count > 0 && nodes.All(n => string.Equals(n.GetProperty("status").GetString(), "done", StringComparison.OrdinalIgnoreCase));
        });
        var purgeAfter = clock.Elapsed;
        await AssertMissAsync(cdn, cdnOrigin, "after the purge");

        Console.WriteLine($"api journey: both up after {upAfter.TotalSeconds:0.0} s, down after {downAfter.TotalSeconds:0.0} s, out of DNS after {dnsAfter.TotalSeconds:0.0} s, purge done after {purgeAfter.TotalSeconds:0.0} s");
    }

    /// <summary>Any failure (a Playwright timeout, an assertion) also shows whether the portal still runs and its output.</summary>
    private async Task WithPortalOutputOnFailureAsync(Func<Task> journey)
    {
        try
        {
            await journey();
        }
        catch (Exception ex) when (ex is not TimeoutException || !ex.Message.Contains("Portal output:", StringComparison.Ordinal))
        {
            throw new Xunit.Sdk.XunitException($"{ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}\nPortal output:\n{fixture.Portal.OutputTail()}");
        }
    }

    private async Task<IPage> SignUpAndLogInAsync(string organization)
    {
        var page = await fixture.NewPageAsync();
        var email = $"network-{Guid.NewGuid():N}@example.test";
        await page.GotoAsync("/Account/Register");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.FillAsync("#Input\\.OrganizationName", organization);
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await Expect(page.Locator("[data-testid=register-confirmation]")).ToContainTextAsync(email);
        await page.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(email, "Confirm your Speedera account"));
        await Expect(page.Locator(".alert-success")).ToContainTextAsync("confirmed");
        await page.GotoAsync("/Account/Login");
        await Accessibility.AssertNoSeriousViolationsAsync(page);
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.ClickAsync("[data-testid=login-submit]");
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(email);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Accessibility.AssertNoSeriousViolationsAsync(page, "/ (overview)");
        return page;
    }

    // The page is live: opened once, its rows change as probe results arrive (they load once its circuit is up).
    private async Task WaitForPageStatesAsync(IPage page, string path, params (IPAddress Address, string State)[] expected)
    {
        if (!page.Url.EndsWith(path, StringComparison.Ordinal))
        {
            await page.GotoAsync(path);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        }

        await EventuallyAsync($"{path} shows {Describe(expected)}", async () =>
        {
            foreach (var (address, state) in expected)
            {
                var row = page.Locator($"[data-testid=live-state] tr[data-address='{address}']");
                if (await row.CountAsync() != 1 || await row.GetAttributeAsync("data-state") != state)
                {
                    return false;
                }
            }

            return true;
        });
    }

    private Task WaitForApiStatesAsync(HttpClient api, Guid id, params (IPAddress Address, string State)[] expected) =>
        EventuallyAsync($"GET /api/v1/domains/{id}/live reports {Describe(expected)}", async () =>
        {
            var live = await SendAsync<JsonElement>(api, HttpMethod.Get, $"/api/v1/domains/{id}/live", null, HttpStatusCode.OK);
            var states = live.EnumerateArray().ToDictionary(e => e.GetProperty("address").GetString()!, e => e.GetProperty("state").GetString()!.ToLowerInvariant());
            return expected.All(e => states.GetValueOrDefault(e.Address.ToString()) == e.State);
        });

    /// <summary>Several digs must each answer with addresses of <paramref name="allowed"/> only, and at least one.</summary>
    private async Task AssertDnsAnswersAsync(string name, IPAddress[] allowed, IPAddress? mustInclude)
    {
        var seen = new HashSet<IPAddress>();
        for (var i = 0; i < 5; i++)
        {
            var answer = await DigAsync(name);
            Assert.True(answer.Count > 0, $"dig {name} returned no address:\n{fixture.Portal.OutputTail()}");
            Assert.True(answer.All(allowed.Contains), $"dig {name} returned {string.Join(", ", answer)}, expected only {string.Join(", ", allowed.Select(a => a.ToString()))}");
            seen.UnionWith(answer);
        }

        if (mustInclude is not null)
        {
            Assert.Contains(mustInclude, seen);
        }
    }

    /// <summary>Waits until dig has answered with each of <paramref name="addresses"/> (one answer may carry one address), and with nothing else.</summary>
    private async Task WaitUntilDnsHandsOutEachAsync(string name, params IPAddress[] addresses)
    {
        var seen = new HashSet<IPAddress>();
        await EventuallyAsync($"dig {name} hands out each of {string.Join(", ", addresses.Select(a => a.ToString()))}", async () =>
        {
            var answer = await DigAsync(name);
            Assert.True(answer.All(addresses.Contains), $"dig {name} returned {string.Join(", ", answer)}, expected only {string.Join(", ", addresses.Select(a => a.ToString()))}");
            seen.UnionWith(answer);
            return addresses.All(seen.Contains);
        }, TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Waits until five digs in a row leave out <paramref name="down"/> and answer with <paramref name="up"/>.</summary>
    private async Task<TimeSpan> WaitUntilDnsExcludesAsync(string name, IPAddress down, IPAddress up)
    {
        var clock = Stopwatch.StartNew();
        var inARow = 0;
        await EventuallyAsync($"dig {name} leaves out {down} five times in a row", async () =>
        {
            var answer = await DigAsync(name);
            inARow = answer.Count > 0 && !answer.Contains(down) ? inARow + 1 : 0;
            return inARow >= 5;
        }, TimeSpan.FromMilliseconds(300));
        await AssertDnsAnswersAsync(name, [up], mustInclude: up);
        return clock.Elapsed;
    }

    private async Task<List<IPAddress>> DigAsync(string name)
    {
        var start = new ProcessStartInfo("/usr/bin/dig")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "@127.0.0.1", "-p", fixture.DnsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), name, "A", "+short", "+time=2", "+tries=1" })
        {
            start.ArgumentList.Add(arg);
        }

        using var dig = Process.Start(start) ?? throw new InvalidOperationException("could not run dig");
        var output = await dig.StandardOutput.ReadToEndAsync();
        await dig.WaitForExitAsync();
        Assert.True(dig.ExitCode == 0, $"dig {name} failed ({dig.ExitCode}): {output} {await dig.StandardError.ReadToEndAsync()}");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => IPAddress.TryParse(line, out var ip) ? ip : throw new Xunit.Sdk.XunitException($"dig {name} answered '{line}', not an address"))];
    }

    /// <summary>The first request through the cache (once the node knows the hostname) is a miss, the second a hit.</summary>
    private async Task AssertMissThenHitAsync(string host, TestOrigin origin)
    {
        await EventuallyAsync($"the embedded cache knows {host}", async () =>
        {
            using var probe = await CacheGetAsync(host, "/.speedera-e2e-not-cached");
            return !CacheStatus(probe).Contains("unknown-host", StringComparison.Ordinal);
        });

        await AssertMissAsync(host, origin, "on the first request");
        var before = origin.ImageRequests;
        using var hit = await CacheGetAsync(host, "/img.png");
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.StartsWith("Speedera; hit", CacheStatus(hit), StringComparison.Ordinal);
        Assert.Equal(TestOrigin.Image, await hit.Content.ReadAsByteArrayAsync());
        Assert.Equal(before, origin.ImageRequests);
    }

    private async Task AssertMissAsync(string host, TestOrigin origin, string when)
    {
        var before = origin.ImageRequests;
        using var miss = await CacheGetAsync(host, "/img.png");
        Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        var status = CacheStatus(miss);
        Assert.True(status.Contains("fwd=miss", StringComparison.Ordinal), $"Cache-Status {when} was '{status}', expected fwd=miss");
        Assert.Equal(TestOrigin.Image, await miss.Content.ReadAsByteArrayAsync());
        Assert.Equal(before + 1, origin.ImageRequests);
    }

    private async Task<HttpResponseMessage> CacheGetAsync(string host, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{fixture.CachePort}{path}");
        request.Headers.Host = host;
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static string CacheStatus(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cache-Status", out var values) ? string.Join(", ", values) : "";

    private async Task<T> SendAsync<T>(HttpClient api, HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
        using var response = await api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path} answered {(int)response.StatusCode}, expected {(int)expected}: {text}");
        return JsonSerializer.Deserialize<T>(text, Json)!;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails after <see cref="Patience"/> with the portal's output.</summary>
    private async Task EventuallyAsync(string what, Func<Task<bool>> condition, TimeSpan? pause = null)
    {
        var deadline = DateTime.UtcNow + Patience;
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

            await Task.Delay(pause ?? TimeSpan.FromMilliseconds(500));
        }

        throw new TimeoutException($"Waited {Patience.TotalSeconds:0} s for {what}; it never happened.{(last is null ? "" : " Last error: " + last.Message)}\nPortal output:\n{fixture.Portal.OutputTail()}");
    }

    private static string Describe((IPAddress Address, string State)[] expected) =>
        string.Join(" and ", expected.Select(e => $"{e.Address} {e.State}"));

    /// <summary>A MudBlazor input by its test id (the attribute lands on the input or on its wrapper, depending on the component).</summary>
    /// <summary>Picks the option whose text matches <paramref name="option"/> (whole text, or a regex) in the MudSelect marked <paramref name="testId"/>.</summary>
    internal static async Task ChooseAsync(IPage page, string testId, string option, bool regex = false)
    {
        await page.Locator($".mud-select:has([data-testid={testId}]), .mud-select[data-testid={testId}]").First.ClickAsync();
        var items = page.Locator(".mud-popover-open .mud-list-item");
        await (regex ? items.GetByText(new Regex(option)) : items.GetByText(option, new() { Exact = true })).First.ClickAsync();
        await Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    internal static string Field(string testId) => $"input[data-testid={testId}], [data-testid={testId}] input";

    private static ILocator LiveRow(IPage page, IPAddress address) => page.Locator($"[data-testid=live-state] tr[data-address='{address}']");

    /// <summary>Opens a page, waits for its circuit and grids, and runs axe-core on it.</summary>
    internal static async Task VisitAsync(IPage page, string path, string? name = null)
    {
        await page.GotoAsync(path);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Accessibility.AssertNoSeriousViolationsAsync(page, name ?? path);
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..8];

    private static int FreePortOn(IPAddress address)
    {
        using var listener = new System.Net.Sockets.TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
