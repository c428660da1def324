using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Speedera.Core.Configuration;
using Speedera.Edge.Cache;

namespace Speedera.Bench.Cache;

/// <summary>
/// Purge propagation on loopback: an origin, three cache nodes each with an admin endpoint, and for each of N purges the
/// time from sending the purge to all three admin endpoints (as a control plane pushing an order would) until every node
/// has stopped serving the old object (its next GET is no longer a hit). The control plane's own delivery is not included.
/// </summary>
internal static class PurgeBench
{
    public static async Task<int> RunAsync(int purges)
    {
        var version = 0;
        var originBuilder = WebApplication.CreateSlimBuilder();
        originBuilder.Logging.ClearProviders();
        originBuilder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var origin = originBuilder.Build();
        origin.Run(async context =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            await context.Response.WriteAsync("v" + Volatile.Read(ref version));
        });
        await origin.StartAsync();
        var originPort = new Uri(origin.Urls.First()).Port;

        var configuration = Program.Configuration(["www.customer.com"], new IPEndPoint(IPAddress.Loopback, originPort));
        var nodes = new List<(CacheServerHost Host, WebApplication Admin, Uri Cache, Uri AdminUri)>();
        for (var i = 0; i < 3; i++)
        {
            var host = new CacheServerHost(new CacheServerOptions { ListenEndpoint = new IPEndPoint(IPAddress.Loopback, 0), NodeId = $"node-{i + 1}" }, () => configuration);
            await host.StartAsync();
            var admin = await Program.StartAdminAsync(new IPEndPoint(IPAddress.Loopback, 0), host);
            nodes.Add((host, admin, host.Addresses[0], new Uri(admin.Urls.First())));
        }

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 16 });
        async Task<string> Status(Uri cache)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(cache, "/obj"));
            request.Headers.Host = "www.customer.com";
            using var response = await client.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            return response.Headers.TryGetValues("Cache-Status", out var v) ? string.Join(",", v) : "";
        }

        var times = new List<double>();
        // One extra round first, not counted: it pays for JIT compilation and connection set-up.
        for (var n = -1; n < purges; n++)
        {
            Interlocked.Increment(ref version);
            foreach (var node in nodes)
            {
                await Status(node.Cache);
                if (await Status(node.Cache) != "Speedera; hit")
                {
                    Console.Error.WriteLine("warm-up did not produce a hit");
                    return 1;
                }
            }

            var watch = Stopwatch.StartNew();
            var url = Uri.EscapeDataString("http://www.customer.com/obj");
            var sends = nodes.Select(node => client.PostAsync(new Uri(node.AdminUri, $"/purge?url={url}"), null)).ToList();
            var checks = nodes.Select(async node =>
            {
                while (await Status(node.Cache) == "Speedera; hit")
                {
                }
            }).ToList();
            await Task.WhenAll(checks);
            watch.Stop();
            foreach (var response in await Task.WhenAll(sends))
            {
                response.EnsureSuccessStatusCode();
                response.Dispose();
            }

            if (n >= 0)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        double Percentile(double p) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(p * times.Count) - 1)];
        Console.WriteLine($"purge propagation, 3 nodes, {purges} purges: p50 {Percentile(0.50):0.0} ms, p95 {Percentile(0.95):0.0} ms, max {times[^1]:0.0} ms " +
                          "(purge POSTed to every node's admin endpoint until each node's next GET is not a hit; control-plane delivery not included)");
        foreach (var node in nodes)
        {
            await node.Admin.DisposeAsync();
            await node.Host.DisposeAsync();
        }

        return 0;
    }
}
