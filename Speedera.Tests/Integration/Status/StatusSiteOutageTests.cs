using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Edge;
using Speedera.Web.Features.Incidents;
using Speedera.Tests.Integration.ConfigPush;
using Xunit.Abstractions;

namespace Speedera.Tests.Integration.Status;

/// <summary>
/// The real control plane on loopback and edge node processes: a node stops, the alert opens an incident, mail lands in
/// the pickup folder, a signed webhook reaches a loopback receiver, and the status page served by another node's cache
/// role shows it; with the control plane stopped the edge keeps serving the page and feeds; when the control plane
/// and the node return, the incident resolves itself and the edge's page follows.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StatusSiteOutageTests(ITestOutputHelper output) : ControlPlaneScenario("status")
{
    // bench/status may run this scenario with other thresholds (SPEEDERA_STATUS_BENCH_*), e.g. the production defaults.
    private static readonly Dictionary<string, string> Fast = new()
    {
        ["Speedera:Alerts:EvaluationInterval"] = Environment.GetEnvironmentVariable("SPEEDERA_STATUS_BENCH_EVALUATION") is { Length: > 0 } e ? e : "00:00:00.500",
        ["Speedera:Alerts:HeartbeatMissingAfter"] = Environment.GetEnvironmentVariable("SPEEDERA_STATUS_BENCH_MISSING") is { Length: > 0 } m ? m : "00:00:03",
        ["Speedera:Alerts:NotifyEmails:0"] = "noc-pager@example.test",
        ["Speedera:Mail:PollInterval"] = "00:00:00.500",
    };

    [Fact]
    public async Task Node_outage_alerts_by_mail_and_webhook_and_the_edge_status_page_survives_the_control_plane()
    {
        var port = ControlPlaneHost.FreePort();
        var dataDirectory = Path.Combine(Root, "portal");
        ControlPlane = new ControlPlaneHost(dataDirectory, port, Fast);
        ControlPlane.StartServer();
        var receiver = Own(new WebhookReceiver(refuseFirst: 1));

        string publicKey;
        var keys = new Dictionary<string, string>();
        var cachePorts = new Dictionary<string, int> { ["edge-a"] = ControlPlaneHost.FreePort(), ["edge-b"] = ControlPlaneHost.FreePort() };
        await using (var scope = ControlPlane.CreateScope())
        {
            var nodes = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();
            await nodes.EnrollAsync("edge-a", "sjc", NodeRoles.Cache, null, null, $"127.0.0.1:{cachePorts["edge-a"]}", null);
            await nodes.EnrollAsync("edge-b", "lhr", NodeRoles.Cache, null, null, $"127.0.0.1:{cachePorts["edge-b"]}", null);
            foreach (var id in cachePorts.Keys)
            {
                keys[id] = (await nodes.IssueKeyAsync(id, "test")).Key;
            }

            var published = await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync("test");
            Assert.True(published.Succeeded, string.Join("; ", published.Errors));
            publicKey = scope.ServiceProvider.GetRequiredService<ConfigurationSigningKey>().PublicKeyBase64;
            receiver.Secret = (await scope.ServiceProvider.GetRequiredService<WebhookService>().AddAsync(receiver.Url)).Secret;
        }

        EdgeNodeProcess StartNode(string id) => EdgeNodeProcess.Start(id, keys[id], ControlPlane!.BaseAddress, publicKey, Path.Combine(Root, id),
            "--roles", "cache", "--cache-listen", $"127.0.0.1:{cachePorts[id]}");
        Nodes.Add(StartNode("edge-a"));
        Nodes.Add(StartNode("edge-b"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        async Task<(HttpStatusCode Status, string Body)> EdgeAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{cachePorts["edge-a"]}{path}");
            request.Headers.Host = "status.speedera.net";
            try
            {
                using var response = await http.SendAsync(request);
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // A loaded machine can hold an answer past the client's timeout; the callers wait and ask again.
                return (0, "");
            }
        }

        async Task<string> WaitForEdgeAsync(string path, Func<string, bool> condition, TimeSpan timeout, string what)
        {
            var watch = Stopwatch.StartNew();
            var last = "";
            while (watch.Elapsed < timeout)
            {
                var (status, body) = await EdgeAsync(path);
                last = $"{(int)status}: {body[..Math.Min(body.Length, 400)]}";
                if (status == HttpStatusCode.OK && condition(body))
                {
                    return body;
                }

                await Task.Delay(100);
            }

            throw new TimeoutException($"edge-a {path}: {what} not seen in {timeout}; last {last}\n{string.Join('\n', Nodes[0].Output.TakeLast(30))}");
        }

        await WaitForEdgeAsync("/", b => b.Contains("All systems operational", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "an all-green page");

        // A node stops: heartbeats end.
        var down = Stopwatch.StartNew();
        await Nodes[1].DisposeAsync();
        Nodes.RemoveAt(1);
        var page = await WaitForEdgeAsync("/", b => b.Contains("Node edge-b (lhr) is not sending heartbeats", StringComparison.Ordinal), TimeSpan.FromSeconds(90), "the incident");
        var toPage = down.Elapsed;
        Assert.Contains("Major outage", page, StringComparison.Ordinal); // edge-b is the only cache node of CDN Europe
        var atom = await WaitForEdgeAsync("/history.atom", b => b.Contains("edge-b", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "the incident in Atom");
        var rss = (await EdgeAsync("/history.rss")).Body;
        Assert.Contains("edge-b", rss, StringComparison.Ordinal);
        var summary = (await EdgeAsync("/summary.json")).Body;
        Assert.Contains("\"major_outage\"", summary, StringComparison.Ordinal);
        await ValidateFeedAsync("rss", rss);
        await ValidateFeedAsync("atom", atom);

        // The files as the edge served them during the outage: a sample to look at, and bench/status's wrk input.
        var keep = Path.Combine(RepoRoot(), "test-output", "status", "edge");
        Directory.CreateDirectory(keep);
        await File.WriteAllTextAsync(Path.Combine(keep, "index.html"), page);
        await File.WriteAllTextAsync(Path.Combine(keep, "history.rss"), rss);
        await File.WriteAllTextAsync(Path.Combine(keep, "history.atom"), atom);
        await File.WriteAllTextAsync(Path.Combine(keep, "summary.json"), summary);
        await File.WriteAllTextAsync(Path.Combine(keep, "status.css"), (await EdgeAsync("/status.css")).Body);

        var mailDir = Path.Combine(dataDirectory, "mail");
        var mail = await EventuallyAsync(() => Directory.Exists(mailDir)
            ? Directory.GetFiles(mailDir, "*.eml").Select(File.ReadAllText).FirstOrDefault(m => m.Contains("noc-pager@example.test", StringComparison.Ordinal) && m.Contains("edge-b", StringComparison.Ordinal))
            : null, TimeSpan.FromSeconds(20), "alert mail in the pickup folder");
        var toMail = down.Elapsed;
        var opened = await EventuallyAsync(() => receiver.Received.FirstOrDefault(r => r.Event == "incident.opened") is { Body: not null } r ? r : ((string, string, bool, DateTimeOffset)?)null,
            TimeSpan.FromSeconds(30), "incident.opened webhook (after one refused attempt)");
        Assert.True(opened!.Value.Item3, "the webhook's HMAC signature did not verify at the receiver");
        Assert.Contains("edge-b", opened.Value.Item2, StringComparison.Ordinal);
        Assert.True(receiver.Refused >= 1, "the receiver refused nothing, so no retry was exercised");
        var toHook = down.Elapsed;
        var line = $"node down -> status page on the edge {toPage.TotalSeconds:F1} s, alert mail {toMail.TotalSeconds:F1} s, webhook (after a refused first attempt) {toHook.TotalSeconds:F1} s";
        output.WriteLine(line);
        Console.WriteLine(line);

        // The control plane stops: the edge keeps serving the page and the feeds it last verified.
        var cpStopped = Stopwatch.StartNew();
        await ControlPlane.DisposeAsync();
        ControlPlane = null;
        await Task.Delay(1500);
        foreach (var path in new[] { "/", "/history.rss", "/history.atom", "/summary.json" })
        {
            var (status, body) = await EdgeAsync(path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains("edge-b", body, StringComparison.Ordinal);
        }

        output.WriteLine("control plane stopped: edge-a still serves /, /history.rss, /history.atom, /summary.json with the open incident");

        // The control plane cannot report its own outage: edge-a, which measures it, marks the portal and the API down.
        var stopped = Stopwatch.StartNew();
        var outagePage = await WaitForEdgeAsync("/", b => b.Contains("data-testid=\"control-plane-outage\"", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the control plane outage measured by the edge");
        output.WriteLine($"control plane stopped -> marked unreachable on edge-a's page after {stopped.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("Measured by edge node edge-a", outagePage, StringComparison.Ordinal);
        Assert.Matches("<span class=\"state major_outage\" data-state-of=\"portal\">Major outage</span>", outagePage);
        Assert.Matches("<span class=\"state major_outage\" data-state-of=\"api\">Major outage</span>", outagePage);
        Assert.Contains("Customer portal and REST API unreachable", outagePage, StringComparison.Ordinal);
        Assert.Contains("edge-b", outagePage, StringComparison.Ordinal); // the last published incident stays
        using (var outageSummary = System.Text.Json.JsonDocument.Parse((await EdgeAsync("/summary.json")).Body))
        {
            var components = outageSummary.RootElement.GetProperty("components").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("status").GetString());
            Assert.Equal("major_outage", components["portal"]);
            Assert.Equal("major_outage", components["api"]);
            Assert.Equal("major", outageSummary.RootElement.GetProperty("status").GetProperty("indicator").GetString());
            Assert.Equal("edge-a", outageSummary.RootElement.GetProperty("control_plane").GetProperty("measured_by").GetString());
        }

        await File.WriteAllTextAsync(Path.Combine(keep, "index-control-plane-down.html"), outagePage);
        var downFor = stopped.Elapsed;

        // The control plane and the node return: the alert clears, the incident resolves itself, the edge's page follows.
        ControlPlane = new ControlPlaneHost(dataDirectory, port, Fast);
        ControlPlane.StartServer();
        Nodes.Add(StartNode("edge-b"));
        var back = Stopwatch.StartNew();
        await WaitForEdgeAsync("/", b => b.Contains("All systems operational", StringComparison.Ordinal) && b.Contains("the signals that raised it are back to normal", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "the resolved incident");
        output.WriteLine($"control plane and node back -> resolved page on the edge after {back.Elapsed.TotalSeconds:F1} s");
        Assert.DoesNotContain("control-plane-outage", (await EdgeAsync("/")).Body, StringComparison.Ordinal);

        // The nodes' heartbeats carry the period home: the portal's and the API's uptime shows it as downtime.
        var booked = await EventuallyAsync(() =>
        {
            using var scope = ControlPlane!.CreateScope();
            var rows = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>().ComponentUptimes.AsNoTracking().Where(u => u.ComponentId == "portal" || u.ComponentId == "api").ToList();
            return rows.Count(r => r.ComponentId == "portal" && r.DownSeconds >= downFor.TotalSeconds) == 1 && rows.Count(r => r.ComponentId == "api" && r.DownSeconds >= downFor.TotalSeconds) == 1
                ? rows : null;
        }, TimeSpan.FromSeconds(30), $"at least {downFor.TotalSeconds:F0} s of portal and API downtime booked from the edges' reports");
        var portalRow = booked.Single(r => r.ComponentId == "portal");
        output.WriteLine($"portal uptime today: {portalRow.DownSeconds:F1} s down of {portalRow.ObservedSeconds:F1} s observed (outage measured by the edges)");
        Assert.True(portalRow.DownSeconds <= cpStopped.Elapsed.TotalSeconds + 1, $"{portalRow.DownSeconds:F1} s booked, more than the {cpStopped.Elapsed.TotalSeconds:F1} s since the control plane stopped: reports were counted more than once");
        await EventuallyAsync(() => receiver.Received.FirstOrDefault(r => r.Event == "incident.resolved") is { Body: not null } r ? r : ((string, string, bool, DateTimeOffset)?)null,
            TimeSpan.FromSeconds(20), "incident.resolved webhook");

        await using var check = ControlPlane.CreateScope();
        var db = check.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        // On a loaded machine edge-a can miss a heartbeat deadline too (another incident); the outage's own is checked.
        var all = await db.Incidents.AsNoTracking().ToListAsync();
        foreach (var i in all)
        {
            output.WriteLine($"incident {i.StartedAt:HH:mm:ss.fff} {i.State} {i.Title}");
        }

        // The outage's own incident is the first about edge-b; a node restarted on a machine this loaded can miss the 3 s
        // heartbeat deadline again while it starts (a later incident of its own).
        var incident = all.Where(i => i.Title.Contains("edge-b", StringComparison.Ordinal)).MinBy(i => i.StartedAt)!;
        Assert.Equal(IncidentState.Resolved, incident.State);
        var timeline = await db.IncidentEvents.AsNoTracking().Where(e => e.IncidentId == incident.Id).OrderBy(e => e.At).ToListAsync();
        foreach (var e in timeline)
        {
            output.WriteLine($"  {e.At:HH:mm:ss.fff} {e.Kind} {e.State} {e.Message}");
        }

        Assert.Equal([IncidentEventKind.Opened, IncidentEventKind.AlertFired, IncidentEventKind.AlertCleared, IncidentEventKind.Resolved], timeline.Select(e => e.Kind));
    }

    private async Task ValidateFeedAsync(string kind, string xml)
    {
        var file = Path.Combine(Root, $"feed.{kind}.xml");
        await File.WriteAllTextAsync(file, xml);
        var validator = Path.Combine(RepoRoot(), "tools", "feed-validate", "validate_feeds.py");
        var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(validator);
        psi.ArgumentList.Add(kind);
        psi.ArgumentList.Add(file);
        using var process = Process.Start(psi)!;
        var text = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        output.WriteLine(text.Trim());
        Assert.True(process.ExitCode == 0, $"{kind} feed invalid: {text}\n{xml}");
        Assert.StartsWith($"valid {kind}: ", text, StringComparison.Ordinal);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Speedera.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Speedera.sln not found above the test folder.");
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{what} not seen in {timeout}");
    }
}
