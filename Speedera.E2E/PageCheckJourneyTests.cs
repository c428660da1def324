using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>
/// A customer runs a page check from three POPs in Chromium and reads the results: the embedded node's POP plus two
/// probe nodes the NOC enrols on the Nodes page and starts as separate edge processes. Screenshots light and dark.
/// </summary>
public sealed class PageCheckJourneyTests(EmbeddedEdgeFixture fixture) : IClassFixture<EmbeddedEdgeFixture>, IAsyncLifetime
{
    private const string Password = "PageCheck-Passw0rd!";
    private readonly List<Process> _nodes = [];
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"speedera-e2e-pagecheck-{Guid.NewGuid():N}");
    private WebApplication? _site;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync();
            }

            node.Dispose();
        }

        if (_site is not null)
        {
            await _site.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Customer_runs_a_check_from_three_pops_and_reads_the_waterfall_in_light_and_dark()
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
        var siteUrl = await StartSiteAsync();
        await StartProbeNodesAsync(["lhr", "nrt"]);

        var page = await SignUpAndLogInAsync();
        await page.GotoAsync("/page-check");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.Locator("input[data-testid=page-check-url], [data-testid=page-check-url] input").First.FillAsync(siteUrl);
        var embeddedPop = "fra";
        foreach (var pop in new[] { embeddedPop, "lhr", "nrt" })
        {
            await page.Locator($"input[data-testid=pop-{pop}], [data-testid=pop-{pop}] input").First.CheckAsync();
        }

        await BrowserFixture.ScreenshotAsync(page, "pagecheck/form-light");
        await page.ClickAsync("[data-testid=page-check-run]");
        await Expect(page).ToHaveURLAsync(new Regex("/page-check/[0-9a-f-]{36}$"), new() { Timeout = 15_000 });

        // Progress per location arrives live: every row ends "done" without reloading the page.
        await page.EvaluateAsync("() => { window.__speederaNoReload = true; }");
        foreach (var pop in new[] { embeddedPop, "lhr", "nrt" })
        {
            await Expect(page.Locator($"[data-testid=overall-row][data-location={pop}]")).ToHaveAttributeAsync("data-status", "done", new() { Timeout = 90_000 });
        }

        Assert.True(await page.EvaluateAsync<bool>("() => window.__speederaNoReload === true"), "the results page reloaded instead of updating in place");
        await Expect(page.Locator("[data-testid=overall-row][data-location=lhr] [data-testid=load-time]")).ToContainTextAsync("ms");
        var rows = page.Locator("[data-testid=waterfall]").First.Locator("[data-testid=waterfall-row]");
        Assert.Equal(22, await rows.CountAsync());
        Assert.True(await page.Locator("[data-testid=waterfall]").First.Locator("rect[data-phase=wait]").CountAsync() >= 20);
        await Expect(page.Locator("[data-testid=waterfall-legend]").First).ToContainTextAsync("DNS lookup");
        await Expect(page.Locator("[data-testid=raw-table]").First).ToContainTextAsync("/img/7.png");
        await BrowserFixture.ScreenshotAsync(page, "pagecheck/results-first-light");

        await page.GetByText("Repeat view", new() { Exact = true }).First.ClickAsync();
        await Expect(page.Locator("[data-testid=raw-table]").First).ToContainTextAsync("304");
        await BrowserFixture.ScreenshotAsync(page, "pagecheck/results-repeat-light");

        // The toggle's return address is the page it was rendered on (the form, before the client-side navigation to
        // the results), so come back to the results by their address.
        var results = page.Url;
        await page.ClickAsync("[data-testid=theme-toggle] button");
        await Expect(page.Locator("[data-testid=theme-stylesheet]")).ToHaveAttributeAsync("href", "theme/dark.css");
        await page.GotoAsync(results);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Expect(page.Locator("[data-testid=overall-row][data-location=nrt]")).ToHaveAttributeAsync("data-status", "done", new() { Timeout = 30_000 });
        await page.GetByText("Repeat view", new() { Exact = true }).First.ClickAsync();
        await Expect(page.Locator("[data-testid=raw-table]").First).ToContainTextAsync("304");
        await BrowserFixture.ScreenshotAsync(page, "pagecheck/results-repeat-dark");
        await page.GetByText("First view", new() { Exact = true }).First.ClickAsync();
        await Expect(page.Locator("[data-testid=raw-table]").First).ToContainTextAsync("/img/7.png");
        await BrowserFixture.ScreenshotAsync(page, "pagecheck/results-first-dark");

        // The link's address as the browser resolves it (against the document's base).
        var har = await page.APIRequest.GetAsync(await page.Locator("[data-testid=har-link]").First.EvaluateAsync<string>("a => a.href"));
        Assert.Equal(200, har.Status);
        Assert.Contains("\"version\":\"1.2\"", await har.TextAsync(), StringComparison.Ordinal);
    }

    private async Task<string> StartSiteAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(async context =>
        {
            var path = context.Request.Path.Value ?? "/";
            var etag = $"\"{path.Length}-{path.GetHashCode(StringComparison.Ordinal):x}\"";
            context.Response.Headers.ETag = etag;
            if (context.Request.Headers.IfNoneMatch == etag)
            {
                context.Response.StatusCode = 304;
                return;
            }

            if (path == "/")
            {
                var html = new StringBuilder("<!doctype html><html><head><title>Shop</title><link rel=stylesheet href=/site.css><script src=/app.js></script></head><body>");
                for (var i = 0; i < 18; i++)
                {
                    html.Append(System.Globalization.CultureInfo.InvariantCulture, $"<img src=/img/{i}.png>");
                }

                context.Response.Headers.CacheControl = "no-cache";
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync(html.Append("</body></html>").ToString());
                return;
            }

            await Task.Delay(path.EndsWith("7.png", StringComparison.Ordinal) ? 120 : 10);
            context.Response.Headers.CacheControl = path.EndsWith(".png", StringComparison.Ordinal) ? "max-age=600" : "no-cache";
            context.Response.ContentType = path.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : path.EndsWith(".js", StringComparison.Ordinal) ? "application/javascript" : "image/png";
            await context.Response.WriteAsync(path.EndsWith(".css", StringComparison.Ordinal) ? "body { background: url(/bg.png) }" : new string('x', 3000));
        });
        await app.StartAsync();
        _site = app;
        return app.Urls.First() + "/";
    }

    /// <summary>The NOC enrols a probe node per POP on the Nodes page; each runs as its own edge process.</summary>
    private async Task StartProbeNodesAsync(string[] pops)
    {
        var noc = await fixture.NewPageAsync();
        await noc.GotoAsync("/Account/Login");
        await noc.FillAsync("#Input\\.Email", PortalProcess.AdminEmail);
        await noc.FillAsync("#Input\\.Password", PortalProcess.AdminPassword);
        await noc.ClickAsync("[data-testid=login-submit]");
        await Expect(noc.Locator("[data-testid=account-name]")).ToHaveTextAsync(PortalProcess.AdminEmail);
        await CustomerNetworkJourneyTests.VisitAsync(noc, "/noc/nodes");
        foreach (var pop in pops)
        {
            var nodeId = $"pc-{pop}-{Guid.NewGuid():N}"[..16];
            await noc.FillAsync(CustomerNetworkJourneyTests.Field("enrol-node-id"), nodeId);
            await noc.ClickAsync("[data-testid=enrol-pop]");
            await noc.Locator(".mud-popover-open .mud-list-item").GetByText(pop, new() { Exact = true }).ClickAsync();
            await Expect(noc.Locator("[data-testid=enrol-pop]")).ToContainTextAsync(pop);
            await noc.SetCheckedAsync(CustomerNetworkJourneyTests.Field("enrol-dns"), false);
            await noc.GetByLabel("probe", new() { Exact = true }).SetCheckedAsync(true);
            await noc.SetCheckedAsync(CustomerNetworkJourneyTests.Field("enrol-cache"), false);
            await noc.ClickAsync("[data-testid=enrol]");
            await Expect(noc.Locator(".mud-snackbar").Last).ToContainTextAsync($"Node {nodeId} enrolled", new() { Timeout = 30_000 });
            // The grid redraws after the enrolment: a click on a button that is being replaced can be lost, so try again.
            for (var attempt = 1; ; attempt++)
            {
                await noc.ClickAsync($"[data-testid=issue-{nodeId}]");
                try
                {
                    await Expect(noc.Locator("[data-testid=issued-key] h2")).ToContainTextAsync(nodeId, new() { Timeout = 10_000 });
                    break;
                }
                catch (PlaywrightException) when (attempt < 3)
                {
                }
            }
            var key = await noc.Locator("[data-testid=node-key]").InnerTextAsync();
            var command = await noc.Locator("[data-testid=issued-key] pre").InnerTextAsync();
            var publicKey = Regex.Match(command, "--public-key (\\S+)").Groups[1].Value;
            _nodes.Add(StartEdge(nodeId, key, publicKey));
        }
    }

    private Process StartEdge(string nodeId, string key, string publicKey)
    {
        var edge = Path.Combine(AppContext.BaseDirectory, "Speedera.Edge.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            edge, "--node-id", nodeId, "--control-plane", fixture.Portal.BaseUrl, "--public-key", publicKey, "--roles", "probe",
            "--data-dir", Path.Combine(_root, nodeId), "--metrics-listen", $"127.0.0.1:{FreePort()}", "--status-listen", $"127.0.0.1:{FreePort()}",
            "--heartbeat-interval", "1s", "--upload-interval", "200ms", "--retry-delay", "500ms",
        })
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["SPEEDERA_NODE_KEY"] = key;
        psi.Environment["SPEEDERA_EXCHANGE_KEY"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine($"[{nodeId}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<IPage> SignUpAndLogInAsync()
    {
        var page = await fixture.NewPageAsync();
        var email = $"pagecheck-{Guid.NewGuid():N}@example.test";
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.OrganizationName", "Page Check Shop");
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
}
