using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Configuration;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Edge;
using Speedera.Tests.Integration.ConfigPush;
using Xunit.Abstractions;

namespace Speedera.Tests.Integration.Status;

/// <summary>
/// status.speedera.net in our own authoritative zone: the dns role of a real edge node answers it with the addresses
/// of the cache nodes serving the status site (asked with dig), each answered address serves the page for that name,
/// and a stopped cache node is no longer handed out once the probes see its page test fail.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StatusSiteDnsTests(ITestOutputHelper output) : ControlPlaneScenario("statusdns")
{
    [Fact]
    public async Task Status_name_resolves_to_the_cache_nodes_serving_the_page_and_drops_a_dead_one()
    {
        var port = ControlPlaneHost.FreePort();
        ControlPlane = new ControlPlaneHost(Path.Combine(Root, "portal"), port);
        ControlPlane.StartServer();

        // node-a: dns, probe and cache on 127.0.0.1; node-b: cache only, on a loopback address of its own in another POP.
        var addressA = IPAddress.Loopback;
        var addressB = IPAddress.Parse($"127.0.0.{Random.Shared.Next(100, 250)}");
        var cacheA = FreePortOn(addressA);
        var cacheB = FreePortOn(addressB);
        var dnsPort = ControlPlaneHost.FreePort();
        var metricsPort = ControlPlaneHost.FreePort();
        string publicKey;
        var keys = new Dictionary<string, string>();
        await using (var scope = ControlPlane.CreateScope())
        {
            var nodes = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();
            await nodes.EnrollAsync("node-a", "sjc", NodeRoles.Dns | NodeRoles.Probe | NodeRoles.Cache, $"127.0.0.1:{dnsPort}", $"127.0.0.1:{metricsPort}", $"{addressA}:{cacheA}", null);
            await nodes.EnrollAsync("node-b", "lhr", NodeRoles.Cache, null, null, $"{addressB}:{cacheB}", null);
            foreach (var id in new[] { "node-a", "node-b" })
            {
                keys[id] = (await nodes.IssueKeyAsync(id, "test")).Key;
            }

            var published = await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync("test");
            Assert.True(published.Succeeded, string.Join("; ", published.Errors));
            publicKey = scope.ServiceProvider.GetRequiredService<ConfigurationSigningKey>().PublicKeyBase64;
        }

        Nodes.Add(EdgeNodeProcess.Start("node-a", keys["node-a"], ControlPlane.BaseAddress, publicKey, Path.Combine(Root, "node-a"),
            "--roles", "dns,probe,cache", "--dns-listen", $"127.0.0.1:{dnsPort}", "--metrics-listen", $"127.0.0.1:{metricsPort}", "--cache-listen", $"{addressA}:{cacheA}"));
        Nodes.Add(EdgeNodeProcess.Start("node-b", keys["node-b"], ControlPlane.BaseAddress, publicKey, Path.Combine(Root, "node-b"),
            "--roles", "cache", "--cache-listen", $"{addressB}:{cacheB}"));
        var cachePorts = new Dictionary<IPAddress, int> { [addressA] = cacheA, [addressB] = cacheB };

        // Both nodes are handed out once both serve the page (the probe's test of each is a GET of the page by name).
        var seen = new HashSet<IPAddress>();
        string last = "";
        await EventuallyAsync(async () =>
        {
            var (answers, text) = await DigAsync(dnsPort);
            last = text;
            Assert.True(answers.All(cachePorts.ContainsKey), $"dig status.speedera.net answered {string.Join(", ", answers)}, not a cache node:\n{text}");
            seen.UnionWith(answers);
            return seen.Count == 2;
        }, TimeSpan.FromSeconds(90), () => $"both cache nodes in the answers (seen {string.Join(", ", seen)}); last dig:\n{last}\nnode-a:\n{string.Join('\n', Nodes[0].Output.TakeLast(20))}");
        Assert.Matches(@"flags: qr aa", last);
        Assert.Matches(@"status\.speedera\.net\.\s+30\s+IN\s+A\s+127\.", last);
        output.WriteLine(last);

        // Each answered address serves the status page for that name.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var address in seen)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{address}:{cachePorts[address]}/history.atom");
            request.Headers.Host = "status.speedera.net";
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("<feed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // node-b stops: after its page test fails, five answers in a row name node-a only.
        await Nodes[1].DisposeAsync();
        Nodes.RemoveAt(1);
        var gone = Stopwatch.StartNew();
        var inARow = 0;
        await EventuallyAsync(async () =>
        {
            var (answers, text) = await DigAsync(dnsPort);
            last = text;
            inARow = answers.Count > 0 && answers.All(a => a.Equals(addressA)) ? inARow + 1 : 0;
            return inARow >= 5;
        }, TimeSpan.FromSeconds(90), () => $"{addressB} left out five times in a row; last dig:\n{last}");
        output.WriteLine($"node-b ({addressB}) stopped -> no longer handed out after {gone.Elapsed.TotalSeconds:F1} s");
    }

    private static int FreePortOn(IPAddress address)
    {
        var listener = new TcpListener(address, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<(List<IPAddress> Answers, string Text)> DigAsync(int dnsPort)
    {
        var psi = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "@127.0.0.1", "-p", dnsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "status.speedera.net", "A", "+norecurse", "+time=2", "+tries=1" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var answers = new List<IPAddress>();
        var inAnswer = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(";; ANSWER SECTION", StringComparison.Ordinal))
            {
                inAnswer = true;
                continue;
            }

            if (inAnswer && line.Length == 0)
            {
                break;
            }

            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (inAnswer && parts.Length == 5 && parts[3] == "A" && IPAddress.TryParse(parts[4], out var ip))
            {
                answers.Add(ip);
            }
        }

        return (answers, text);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> probe, TimeSpan timeout, Func<string> what)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (await probe())
            {
                return;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{what()} not seen in {timeout}");
    }
}
