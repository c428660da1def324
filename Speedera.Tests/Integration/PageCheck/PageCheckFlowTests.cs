using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Configuration;
using Speedera.Core.PageCheck;
using Speedera.Tests.Integration.ConfigPush;
using Speedera.Web.Data;
using Speedera.Web.Features.Api;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Edge;
using Speedera.Web.Features.PageCheck;
using Xunit.Abstractions;

namespace Speedera.Tests.Integration.PageCheck;

/// <summary>
/// The whole page-check path: a check placed through the customer API on the real control plane (loopback socket),
/// probe nodes as separate edge processes in three POPs picking their part up through the edge API, running it
/// against the local test site, uploading through their spool; the API then returns every location's result and its
/// HAR. A fourth POP without a probe node times out on its own.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PageCheckFlowTests(ITestOutputHelper output) : ControlPlaneScenario("pagecheck")
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    [Fact]
    public async Task Check_from_three_pops_comes_back_from_each_and_a_pop_without_probe_times_out_alone()
    {
        var site = Own(await PageTestSite.StartAsync());
        var (api, cachePort) = await StartNetworkAsync(site);

        using var placed = await api.PostAsJsonAsync("/api/v1/page-checks", new { url = site.Url.AbsoluteUri, locations = new[] { "sjc", "lhr", "nrt", "syd" }, repeatView = true, compareWithOrigin = false });
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var check = (await placed.Content.ReadFromJsonAsync<PageCheckDto>(Json))!;
        Assert.All(check.Locations, l => Assert.True(l.Status is "queued" or "running", l.Status));

        var done = await WaitAsync(api, check.Id, d => d.Locations.Where(l => l.Location != "syd").All(l => l.Status is "done" or "failed"), TimeSpan.FromSeconds(90));
        foreach (var l in done.Locations.Where(l => l.Location != "syd"))
        {
            Assert.True(l.Status == "done", $"{l.Location}: {l.Status} {l.Error}");
            Assert.Equal($"probe-{l.Location}", l.NodeId);
            Assert.Equal(["first", "repeat"], l.Views.Select(v => v.View));
            Assert.Equal(PageTestSite.RequestCount, l.Views[0].Requests.Count);
            Assert.Equal(PageTestSite.Components, l.Views[0].Summary.Components - 1);
            Assert.True(l.Views[1].Summary.FromCache > 20, $"{l.Location} repeat view: {l.Views[1].Summary.FromCache} from cache");
            output.WriteLine($"{l.Location}: first view {l.Views[0].Summary.TotalMs:0.0} ms, repeat {l.Views[1].Summary.TotalMs:0.0} ms");
        }

        var syd = await WaitAsync(api, check.Id, d => d.Locations.Single(l => l.Location == "syd").Status == "timedout", TimeSpan.FromSeconds(30));
        Assert.True(syd.Finished);
        Assert.Contains("deadline", syd.Locations.Single(l => l.Location == "syd").Error, StringComparison.Ordinal);
        Assert.Equal(3, syd.Locations.Count(l => l.Status == "done"));

        // HAR 1.2 export: timings add up, and npm har-validator accepts it.
        using var harResponse = await api.GetAsync($"/api/v1/page-checks/{check.Id}/har?location=lhr&view=first");
        Assert.Equal(HttpStatusCode.OK, harResponse.StatusCode);
        var harText = await harResponse.Content.ReadAsStringAsync();
        using var har = JsonDocument.Parse(harText);
        var entries = har.RootElement.GetProperty("log").GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(PageTestSite.RequestCount, entries.Count);
        foreach (var e in entries)
        {
            var t = e.GetProperty("timings");
            var sum = new[] { "blocked", "dns", "connect", "send", "wait", "receive" }.Sum(p => Math.Max(t.GetProperty(p).GetDouble(), 0));
            Assert.Equal(e.GetProperty("time").GetDouble(), sum, 3);
        }

        var file = Path.Combine(Root, "lhr-first.har");
        await File.WriteAllTextAsync(file, harText);
        Directory.CreateDirectory(Path.Combine(RepoOutput(), "har"));
        File.Copy(file, Path.Combine(RepoOutput(), "har", "pagecheck-lhr-first.har"), overwrite: true);
        if (HarValidator.Unavailable() is { } why)
        {
            output.WriteLine("HAR not validated: " + why);
        }
        else
        {
            var (exit, report) = await HarValidator.ValidateAsync(file);
            output.WriteLine(report);
            Assert.True(exit == 0, report);
        }

        using var missing = await api.GetAsync($"/api/v1/page-checks/{check.Id}/har?location=syd&view=first");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.True(cachePort > 0);
    }

    [Fact]
    public async Task Cdn_hostname_is_checked_through_the_pops_cache_and_straight_from_the_origin()
    {
        var site = Own(await PageTestSite.StartAsync());
        var (api, cachePort) = await StartNetworkAsync(site);

        using var placed = await api.PostAsJsonAsync("/api/v1/page-checks", new { url = "http://demo.speedera.net/", locations = new[] { "sjc" }, repeatView = true, compareWithOrigin = true });
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var check = (await placed.Content.ReadFromJsonAsync<PageCheckDto>(Json))!;
        Assert.Equal("demo.speedera.net", check.CdnHostname);

        var done = await WaitAsync(api, check.Id, d => d.Finished, TimeSpan.FromSeconds(90));
        var sjc = done.Locations.Single();
        Assert.True(sjc.Status == "done", $"{sjc.Status} {sjc.Error}");
        Assert.Equal(["first/cdn", "repeat/cdn", "first/origin", "repeat/origin"], sjc.Views.Select(v => $"{v.View}/{v.Route}"));
        var cdn = sjc.Views[0];
        var origin = sjc.Views[2];
        Assert.Equal(PageTestSite.RequestCount, cdn.Requests.Count);
        Assert.Equal(PageTestSite.RequestCount, origin.Requests.Count);
        Assert.All(cdn.Requests, r => Assert.NotNull(r.Header("Cache-Status")));
        Assert.All(origin.Requests, r => Assert.Null(r.Header("Cache-Status")));

        // The repeat view through the CDN revalidates through our cache too, and the customer sees what it answered.
        var revalidated = sjc.Views[1].Requests.Where(r => r.Conditional).ToList();
        Assert.NotEmpty(revalidated);
        Assert.All(revalidated, r => Assert.True(r.Status == 304 && r.Header("Cache-Status") is not null, $"{r.Url}: {r.Status} {r.Header("Cache-Status")}"));
        output.WriteLine("CDN repeat view Cache-Status: " + string.Join(", ", revalidated.Select(r => r.Header("Cache-Status")).Distinct()));
        output.WriteLine($"sjc first view: CDN {cdn.Summary.TotalMs:0.0} ms ({cdn.Summary.CacheHits} hits), origin {origin.Summary.TotalMs:0.0} ms");
        Assert.True(cachePort > 0);
    }

    private async Task<(HttpClient Api, int CachePort)> StartNetworkAsync(PageTestSite site)
    {
        var port = ControlPlaneHost.FreePort();
        ControlPlane = new ControlPlaneHost(Path.Combine(Root, "portal"), port, new Dictionary<string, string>
        {
            ["Speedera:PageChecks:LocationTimeout"] = "00:00:25",
        });
        ControlPlane.StartServer();
        string publicKey, apiKey;
        var keys = new Dictionary<string, string>();
        var cachePort = ControlPlaneHost.FreePort();
        await using (var scope = ControlPlane.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            var hostname = await db.Hostnames.SingleAsync(h => h.Name == "demo.speedera.net");
            hostname.OriginPort = site.Port;
            await db.SaveChangesAsync();
            apiKey = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().IssueAsync(hostname.OrganizationId, "page check test", "test"))!.Key;
            var nodes = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();
            await nodes.EnrollAsync("ns-sjc", "sjc", NodeRoles.Dns, "127.0.0.1:8053", null, null, null);
            foreach (var pop in new[] { "sjc", "lhr", "nrt" })
            {
                var roles = pop == "sjc" ? NodeRoles.Probe | NodeRoles.Cache : NodeRoles.Probe;
                await nodes.EnrollAsync($"probe-{pop}", pop, roles, null, null, pop == "sjc" ? $"127.0.0.1:{cachePort}" : null, null);
                keys[pop] = (await nodes.IssueKeyAsync($"probe-{pop}", "test")).Key;
            }

            var published = await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync("test");
            Assert.True(published.Succeeded, string.Join("; ", published.Errors));
            publicKey = scope.ServiceProvider.GetRequiredService<ConfigurationSigningKey>().PublicKeyBase64;
        }

        foreach (var (pop, key) in keys)
        {
            string[] args = pop == "sjc"
                ? ["--roles", "probe,cache", "--cache-listen", $"127.0.0.1:{cachePort}", "--metrics-listen", $"127.0.0.1:{ControlPlaneHost.FreePort()}"]
                : ["--roles", "probe", "--metrics-listen", $"127.0.0.1:{ControlPlaneHost.FreePort()}"];
            Nodes.Add(EdgeNodeProcess.Start($"probe-{pop}", key, ControlPlane.BaseAddress, publicKey, Path.Combine(Root, pop), args));
        }

        foreach (var node in Nodes)
        {
            await node.WaitForAsync(s => s.RunningVersion > 0, TimeSpan.FromSeconds(60), "a configuration");
        }

        var api = new HttpClient { BaseAddress = ControlPlane.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return (api, cachePort);
    }

    private async Task<PageCheckDto> WaitAsync(HttpClient api, Guid id, Func<PageCheckDto, bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        PageCheckDto? last = null;
        while (watch.Elapsed < timeout)
        {
            last = await api.GetFromJsonAsync<PageCheckDto>($"/api/v1/page-checks/{id}", Json);
            if (last is not null && condition(last))
            {
                return last;
            }

            await Task.Delay(250);
        }

        foreach (var node in Nodes)
        {
            output.WriteLine($"--- {node.NodeId}\n" + string.Join("\n", node.Output.TakeLast(40)));
        }

        throw new TimeoutException($"Check {id} not there after {timeout}: " + JsonSerializer.Serialize(last?.Locations.Select(l => new { l.Location, l.Status, l.Error })));
    }

    private static string RepoOutput()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Speedera.sln")))
            {
                return Path.Combine(dir.FullName, "test-output");
            }
        }

        return Path.GetTempPath();
    }
}
