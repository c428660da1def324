using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Configuration;
using Speedera.Tests.Integration.Cache;
using Speedera.Web.Data;
using Speedera.Web.Features.Api;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Edge;
using Xunit.Abstractions;

namespace Speedera.Tests.Integration.ConfigPush;

/// <summary>
/// Purge through the whole path: the customer's REST API call on the control plane (the real portal on a loopback
/// socket), the order stored and signalled, three cache nodes as separate edge processes long-polling their orders,
/// each applying it and reporting back. Every purge is timed from the API call until every node has stopped serving
/// the old object (its next GET returns the origin's new content). bench/cache/purge.sh runs this and prints the line.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PurgePropagationTests(ITestOutputHelper output) : ControlPlaneScenario("purge")
{
    private const string Hostname = "demo.speedera.net";

    [Fact]
    public async Task Purge_ordered_through_the_API_stops_the_old_object_on_three_cacheNodes()
    {
        var purges = int.TryParse(Environment.GetEnvironmentVariable("SPEEDERA_PURGE_BENCH_PURGES"), CultureInfo.InvariantCulture, out var n) ? n : 20;
        var version = 0;
        var origin = Own(await OriginServer.StartAsync());
        origin.Map("/bench/object.txt", async context =>
        {
            context.Response.Headers.CacheControl = "max-age=3600";
            await context.Response.WriteAsync("version " + Volatile.Read(ref version));
        });

        var port = ControlPlaneHost.FreePort();
        ControlPlane = new ControlPlaneHost(Path.Combine(Root, "portal"), port);
        ControlPlane.StartServer();

        // The seeded demo customer's CDN hostname, aimed at this test's origin; an API key of that customer; three
        // cache nodes in three POPs (and a dns node the zone needs as its name server, not started here).
        string publicKey, apiKey;
        Guid hostnameId;
        var keys = new Dictionary<string, string>();
        var cachePorts = new Dictionary<string, int>();
        await using (var scope = ControlPlane.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            var hostname = await db.Hostnames.SingleAsync(h => h.Name == Hostname);
            hostname.OriginPort = origin.Port;
            await db.SaveChangesAsync();
            hostnameId = hostname.Id;
            apiKey = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().IssueAsync(hostname.OrganizationId, "purge test", "test"))!.Key;

            var nodes = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();
            await nodes.EnrollAsync("ns-sjc", "sjc", NodeRoles.Dns, "127.0.0.1:8053", null, null, null);
            foreach (var (id, pop) in new[] { ("cache-iad", "iad"), ("cache-lhr", "lhr"), ("cache-nrt", "nrt") })
            {
                cachePorts[id] = ControlPlaneHost.FreePort();
                await nodes.EnrollAsync(id, pop, NodeRoles.Cache, null, null, $"127.0.0.1:{cachePorts[id]}", null);
                keys[id] = (await nodes.IssueKeyAsync(id, "test")).Key;
            }

            var published = await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync("test");
            Assert.True(published.Succeeded, string.Join("; ", published.Errors));
            publicKey = scope.ServiceProvider.GetRequiredService<ConfigurationSigningKey>().PublicKeyBase64;
        }

        foreach (var (id, cachePort) in cachePorts)
        {
            Nodes.Add(EdgeNodeProcess.Start(id, keys[id], ControlPlane.BaseAddress, publicKey, Path.Combine(Root, id),
                "--roles", "cache", "--cache-listen", $"127.0.0.1:{cachePort}"));
        }

        foreach (var node in Nodes)
        {
            await node.WaitForAsync(s => s.RunningVersion > 0, TimeSpan.FromSeconds(60), "a configuration");
        }

        using var api = new HttpClient { BaseAddress = ControlPlane.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var edge = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(5),
        };

        async Task<(string Body, string CacheStatus)> GetAsync(int cachePort)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{cachePort}/bench/object.txt");
            request.Headers.Host = Hostname;
            using var response = await edge.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadAsStringAsync(), response.CacheStatus());
        }

        // Warm-up purge: the nodes' long-polls and the API's first request are not part of the measurement.
        var samples = new List<double>();
        var apiTimes = new List<double>();
        Guid lastOrder = default;
        for (var i = -1; i < purges; i++)
        {
            // Every node holds the current version as a hit, then the origin changes: only a purge can show it.
            foreach (var cachePort in cachePorts.Values)
            {
                var deadline = Stopwatch.StartNew();
                while ((await GetAsync(cachePort)) is var (body, status) && !(body == $"version {version}" && status == "Speedera; hit"))
                {
                    Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"node on {cachePort} never held version {version} as a hit (last: {body}, {status})");
                }
            }

            var old = $"version {version}";
            Interlocked.Increment(ref version);
            var clock = Stopwatch.StartNew();
            using var purge = await api.PostAsJsonAsync($"/api/v1/domains/{hostnameId}/purges", new { url = $"http://{Hostname}/bench/object.txt", soft = false });
            var apiMs = clock.Elapsed.TotalMilliseconds;
            Assert.Equal(HttpStatusCode.Accepted, purge.StatusCode);
            lastOrder = JsonDocument.Parse(await purge.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

            var stopped = await Task.WhenAll(cachePorts.Values.Select(async cachePort =>
            {
                while (clock.Elapsed < TimeSpan.FromSeconds(10))
                {
                    var (body, _) = await GetAsync(cachePort);
                    if (body != old)
                    {
                        Assert.Equal($"version {version}", body);
                        return clock.Elapsed.TotalMilliseconds;
                    }

                    await Task.Delay(1);
                }

                throw new TimeoutException($"node on {cachePort} still served '{old}' 10 s after the purge");
            }));
            if (i >= 0)
            {
                samples.Add(stopped.Max());
                apiTimes.Add(apiMs);
            }
        }

        // The nodes reported the last order done; the portal shows it per node.
        var done = Stopwatch.StartNew();
        JsonElement order;
        do
        {
            order = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/purges/{lastOrder}")).RootElement;
            if (order.GetProperty("nodes").EnumerateArray().Count(x => x.GetProperty("status").GetString() == "done") == 3)
            {
                break;
            }

            // Politely: the API allows 300 requests a minute per key.
            await Task.Delay(250);
        }
        while (done.Elapsed < TimeSpan.FromSeconds(10));
        output.WriteLine(order.ToString());
        Assert.Equal(["cache-iad", "cache-lhr", "cache-nrt"],
            order.GetProperty("nodes").EnumerateArray().Where(x => x.GetProperty("status").GetString() == "done").Select(x => x.GetProperty("nodeId").GetString()!).Order());

        samples.Sort();
        apiTimes.Sort();
        output.WriteLine("per purge (ms): " + string.Join(", ", samples.Select(x => x.ToString("F1", CultureInfo.InvariantCulture))));
        var line = string.Create(CultureInfo.InvariantCulture,
            $"purge propagation through the control plane, 3 cache nodes, {samples.Count} purges: p50 {Percentile(samples, 0.50):F1} ms, p95 {Percentile(samples, 0.95):F1} ms, max {samples[^1]:F1} ms (REST API call until every node's next GET is the new object; the API call alone p50 {Percentile(apiTimes, 0.50):F1} ms)");
        output.WriteLine(line);
        Console.WriteLine(line);
        if (Environment.GetEnvironmentVariable("SPEEDERA_PURGE_BENCH_OUT") is { Length: > 0 } file)
        {
            await File.WriteAllTextAsync(file, line + Environment.NewLine);
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
