using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Cache;
using Speedera.Core.Configuration;
using Speedera.Core.ControlPlane;
using Speedera.Core.Probes;
using Speedera.Core.Reports;
using Speedera.Tests.Integration.ConfigPush;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Edge;
using Speedera.Web.Features.Incidents;
using Xunit.Abstractions;

namespace Speedera.Tests.Integration.Status;

/// <summary>
/// Each alert rule fires and clears on signals sent the way nodes send them: heartbeats (with DNS counters) and
/// uploads (service-probe results, usage rollups) through the real edge API of a running control plane, whose
/// evaluator opens incidents and resolves them when the signal clears.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AlertRuleTests(ITestOutputHelper output) : ControlPlaneScenario("alerts")
{
    private static readonly Dictionary<string, string> Fast = new()
    {
        ["Speedera:Alerts:EvaluationInterval"] = "00:00:00.300",
        ["Speedera:Alerts:HeartbeatMissingAfter"] = "00:00:30",
        ["Speedera:Alerts:ConfigBehindAfter"] = "00:00:01",
        ["Speedera:Alerts:ProbeStaleAfter"] = "00:00:02",
        ["Speedera:Alerts:RateWindow"] = "00:00:04",
    };

    private readonly Dictionary<string, HttpClient> _clients = [];
    private readonly Dictionary<string, long> _sequence = [];

    [Fact]
    public async Task Each_rule_fires_on_its_signal_and_clears_when_the_signal_does()
    {
        ControlPlane = new ControlPlaneHost(Path.Combine(Root, "portal"), ControlPlaneHost.FreePort(), Fast);
        ControlPlane.StartServer();
        long latest;
        await using (var scope = ControlPlane.CreateScope())
        {
            var nodes = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();
            await nodes.EnrollAsync("dns-1", "sjc", NodeRoles.Dns, "127.0.0.1:8053", null, null, null);
            await nodes.EnrollAsync("probe-1", "iad", NodeRoles.Probe, null, null, null, null);
            await nodes.EnrollAsync("cache-1", "fra", NodeRoles.Cache, null, null, "127.0.0.1:8080", null);
            foreach (var id in new[] { "dns-1", "probe-1", "cache-1" })
            {
                var key = (await nodes.IssueKeyAsync(id, "test")).Key;
                var client = new HttpClient { BaseAddress = ControlPlane.BaseAddress };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(EdgeApi.AuthorizationScheme, EdgeApi.FormatAuthorization(id, key));
                _clients[id] = client;
                _sequence[id] = 0;
            }

            var published = await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync("test");
            Assert.True(published.Succeeded);
            latest = published.Version!.Value;
        }

        // config-behind: a node that reports an older version than the published one, past the grace time.
        await HeartbeatAsync("cache-1", latest - 1);
        await HeartbeatAsync("probe-1", latest);
        await FiresAsync(AlertRules.ConfigBehind, "cache-1");
        await HeartbeatAsync("cache-1", latest);
        await ClearsAsync(AlertRules.ConfigBehind, "cache-1");

        // dns-errors: cumulative counters where most answers are SERVFAIL/REFUSED, then a clean stretch.
        long queries = 0, servfail = 0;
        for (var i = 0; i < 4; i++)
        {
            queries += 100;
            servfail += 40;
            await HeartbeatAsync("dns-1", latest, queries, servfail, 10);
            await Task.Delay(300);
        }

        await FiresAsync(AlertRules.DnsErrors, "dns-1");
        var clean = Stopwatch.StartNew();
        while (clean.Elapsed < TimeSpan.FromSeconds(7))
        {
            queries += 200;
            await HeartbeatAsync("dns-1", latest, queries, servfail, 10);
            await Task.Delay(300);
        }

        await ClearsAsync(AlertRules.DnsErrors, "dns-1");

        // pop-cache-failing: a probe reports fra's cache server failing its HTTP test, then passing.
        await HeartbeatAsync("cache-1", latest);
        await UploadAsync("probe-1", UploadKinds.ProbeResults, JsonSerializer.SerializeToElement(
            new[] { new ServiceMetric(new ServiceKey("cache1.fra", "http-8080"), ServiceMetric.FailedValue, ProbeError.ConnectionRefused, DateTimeOffset.UtcNow, "probe-1") },
            EdgeReportJson.Default.ServiceMetricArray));
        await FiresAsync(AlertRules.PopCacheFailing, "fra");
        await UploadAsync("probe-1", UploadKinds.ProbeResults, JsonSerializer.SerializeToElement(
            new[] { new ServiceMetric(new ServiceKey("cache1.fra", "http-8080"), 12, ProbeError.None, DateTimeOffset.UtcNow, "probe-1") },
            EdgeReportJson.Default.ServiceMetricArray));
        await ClearsAsync(AlertRules.PopCacheFailing, "fra");

        // probe-stale: the probe keeps heartbeating but sends no results for longer than the limit, then sends again.
        var stale = Stopwatch.StartNew();
        while (stale.Elapsed < TimeSpan.FromSeconds(3))
        {
            await HeartbeatAsync("probe-1", latest);
            await Task.Delay(300);
        }

        await FiresAsync(AlertRules.ProbeStale, "probe-1");
        await UploadAsync("probe-1", UploadKinds.ProbeResults, JsonSerializer.SerializeToElement(
            new[] { new ServiceMetric(new ServiceKey("cache1.fra", "http-8080"), 11, ProbeError.None, DateTimeOffset.UtcNow, "probe-1") },
            EdgeReportJson.Default.ServiceMetricArray));
        await ClearsAsync(AlertRules.ProbeStale, "probe-1");

        // origin-errors: a cache's usage rollup where the origin answers 5xx, then enough good answers to drop below the rate.
        var nowTicks = DateTime.UtcNow.Ticks;
        var minute = new DateTimeOffset(nowTicks - nowTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        output.WriteLine($"usage minute {minute:O} at {DateTime.UtcNow:O}");
        await UploadAsync("cache-1", UploadKinds.Usage, JsonSerializer.SerializeToElement(
            new[] { new UsageRollup(minute, "shop.example.com", "fra", "cache-1", 20, 2000, 0, 4, 0, 0, 16, 0, 20) }, EdgeReportJson.Default.UsageRollupArray));
        await FiresAsync(AlertRules.OriginErrors, "shop.example.com");
        await UploadAsync("cache-1", UploadKinds.Usage, JsonSerializer.SerializeToElement(
            new[] { new UsageRollup(minute, "shop.example.com", "fra", "cache-1", 200, 20000, 0, 200, 0, 0, 0, 150, 50) }, EdgeReportJson.Default.UsageRollupArray));
        await ClearsAsync(AlertRules.OriginErrors, "shop.example.com");

        await using var check = ControlPlane.CreateScope();
        var db = check.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var incidents = await db.Incidents.AsNoTracking().OrderBy(i => i.StartedAt).ToListAsync();
        Assert.True(incidents.Count >= 5, $"{incidents.Count} incidents");
        foreach (var i in incidents)
        {
            output.WriteLine($"{i.Title}: {i.StartedAt:HH:mm:ss.fff} -> resolved {i.ResolvedAt:HH:mm:ss.fff}");
        }
    }

    private async Task HeartbeatAsync(string node, long version, long? dnsQueries = null, long servfail = 0, long refused = 0)
    {
        var now = DateTimeOffset.UtcNow;
        var counters = dnsQueries is { } q
            ? new Dictionary<string, long> { [HeartbeatCounters.DnsQueries] = q, [HeartbeatCounters.DnsServFail] = servfail, [HeartbeatCounters.DnsRefused] = refused }
            : null;
        var report = new HeartbeatReport(node, [], version, "hash", "ControlPlane", now, now, now, [], null, 0, counters);
        using var response = await _clients[node].PostAsJsonAsync(EdgeApi.HeartbeatPath, report, EdgeApiJsonContext.Default.HeartbeatReport);
        response.EnsureSuccessStatusCode();
    }

    private async Task UploadAsync(string node, string kind, JsonElement payload)
    {
        var batch = new UploadBatch(node, kind, [new UploadRecord(++_sequence[node], DateTimeOffset.UtcNow, payload)]);
        using var response = await _clients[node].PostAsJsonAsync(EdgeApi.UploadsPath(kind), batch, EdgeApiJsonContext.Default.UploadBatch);
        response.EnsureSuccessStatusCode();
    }

    private Task FiresAsync(string rule, string subject) => WaitForAlertAsync(rule, subject, firing: true);

    private Task ClearsAsync(string rule, string subject) => WaitForAlertAsync(rule, subject, firing: false);

    private async Task WaitForAlertAsync(string rule, string subject, bool firing)
    {
        var watch = Stopwatch.StartNew();
        var key = $"{rule}:{subject}";
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            await using var scope = ControlPlane!.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            var state = await db.AlertStates.AsNoTracking().FirstOrDefaultAsync(a => a.Key == key);
            if (state is not null && state.Firing == firing)
            {
                var incident = await db.Incidents.AsNoTracking().FirstAsync(i => i.Id == state.IncidentId);
                Assert.Equal(firing, incident.State != IncidentState.Resolved);
                output.WriteLine($"{key} {(firing ? "fired" : "cleared")} after {watch.Elapsed.TotalSeconds:F1} s: {state.Detail}; incident '{incident.Title}' {incident.State}");
                return;
            }

            // The DNS node keeps heartbeating meanwhile (silence would be a different alert).
            await Task.Delay(100);
        }

        var all = await AllAlertsAsync();
        throw new TimeoutException($"{key} did not {(firing ? "fire" : "clear")} within 20 s; alerts: {all}");
    }

    private async Task<string> AllAlertsAsync()
    {
        await using var scope = ControlPlane!.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var usage = await db.UsageRollups.AsNoTracking().Select(u => $"{u.Minute:O} {u.Hostname} {u.Requests} {u.Status5xx}").ToListAsync();
        return string.Join("; ", await db.AlertStates.AsNoTracking().Select(a => a.Key + "=" + a.Firing + " " + a.Detail).ToListAsync())
            + " | usage rows: " + string.Join(", ", usage) + " | now " + DateTime.UtcNow.ToString("O");
    }

    public override async Task DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        await base.DisposeAsync();
    }
}
