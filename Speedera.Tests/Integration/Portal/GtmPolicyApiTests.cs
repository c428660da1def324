using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Configuration;
using Speedera.Core.ControlPlane;
using Speedera.Core.Gtm;
using Speedera.Core.Probes;
using Speedera.Core.Reports;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Edge;

namespace Speedera.Tests.Integration.Portal;

/// <summary>
/// The region policy API end to end in the portal: field messages for rules that resolve to nothing, the audit trail
/// with the published version, and the explainer deciding either with the control plane's probe results or with the
/// tables a dns node reported through the real edge API (and saying which).
/// </summary>
public abstract class GtmPolicyApiTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    private async Task<(Tenant Tenant, Guid Id, string Name)> HostnameAsync(string organization)
    {
        var tenant = await Tenant.CreateAsync(factory, organization);
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name = "rg" + Guid.NewGuid().ToString("N")[..8], gtm = true }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        await tenant.PutJsonAsync($"/api/v1/domains/{id}/gtm", new
        {
            addresses = new[]
            {
                new { address = "127.0.0.93", description = "san-jose", popId = "sjc", weight = 1, hiddenFailover = false },
                new { address = "127.0.0.94", description = "london", popId = "lhr", weight = 1, hiddenFailover = false },
            },
            testType = "Http", testPort = 80, testPath = "/", testExpectedStatus = 200, testIntervalSeconds = 10, testTimeoutSeconds = 5, ttlSeconds = 30,
        }, HttpStatusCode.OK);
        return (tenant, id, created.GetProperty("name").GetString()!);
    }

    [Fact]
    public async Task Rules_that_resolve_to_nothing_get_field_messages_and_a_saved_change_is_audited_with_its_version()
    {
        var (owner, id, _) = await HostnameAsync("Regions Audit");

        var invalid = await owner.PutJsonAsync($"/api/v1/domains/{id}/gtm/regions", new
        {
            rules = new object[]
            {
                new { kind = "Continent", code = "EU", targets = Array.Empty<string>() },
                new { kind = "Country", code = "XX", targets = new[] { "192.0.2.1" } },
            },
            @default = Array.Empty<string>(), geoproximity = false, biases = Array.Empty<object>(),
        }, HttpStatusCode.BadRequest);
        var errors = invalid.GetProperty("errors");
        Assert.Contains("must go somewhere", errors.GetProperty("Rules[0]")[0].GetString(), StringComparison.Ordinal);
        var second = string.Join(" ", errors.GetProperty("Rules[1]").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("'XX' is not a valid", second, StringComparison.Ordinal);
        Assert.Contains("'192.0.2.1' is not one of this hostname's addresses", second, StringComparison.Ordinal);
        Assert.Equal(0, (await owner.GetJsonAsync($"/api/v1/domains/{id}/gtm/regions/history")).GetArrayLength());

        var saved = await owner.PutJsonAsync($"/api/v1/domains/{id}/gtm/regions", new
        {
            rules = new[] { new { kind = "Continent", code = "eu", targets = new[] { "127.0.0.94", "pop:sjc" } } },
            @default = new[] { "127.0.0.93" }, geoproximity = true, biases = new[] { new { popId = "lhr", bias = 20 } },
        }, HttpStatusCode.OK);
        var version = saved.GetProperty("publishedVersion").GetInt64();

        var history = await owner.GetJsonAsync($"/api/v1/domains/{id}/gtm/regions/history");
        var change = Assert.Single(history.EnumerateArray());
        Assert.Equal(version, change.GetProperty("publishedVersion").GetInt64());
        Assert.StartsWith("api-key:", change.GetProperty("changedBy").GetString(), StringComparison.Ordinal);
        Assert.Equal("EU", change.GetProperty("policy").GetProperty("rules")[0].GetProperty("code").GetString());

        var stored = await owner.GetJsonAsync($"/api/v1/domains/{id}/gtm/regions");
        Assert.Equal(["127.0.0.94", "pop:sjc"], stored.GetProperty("rules")[0].GetProperty("targets").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(20, stored.GetProperty("biases")[0].GetProperty("bias").GetInt32());

        var stranger = await Tenant.CreateAsync(factory, "Regions Stranger");
        await stranger.GetJsonAsync($"/api/v1/domains/{id}/gtm/regions/history", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Explain_with_a_dns_nodes_reported_tables_decides_as_that_node_and_says_whose_metrics_it_used()
    {
        var (owner, id, name) = await HostnameAsync("Regions Explain");
        var nodeId = "dns-x" + Guid.NewGuid().ToString("N")[..6];
        string key;
        using (var scope = factory.Services.CreateScope())
        {
            var service = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();
            await service.EnrollAsync(nodeId, "lhr", NodeRoles.Dns, $"127.0.0.1:{Random.Shared.Next(20_000, 60_000)}", null, null, null);
            key = (await service.IssueKeyAsync(nodeId, "test")).Key;
        }

        var (plan, version) = await PlanAsync(name);
        var sjc = plan.For(false).Single(c => c.Address == "127.0.0.93");
        var lhr = plan.For(false).Single(c => c.Address == "127.0.0.94");

        // The control plane holds no probe results for these servers: both count as down there.
        var controlPlane = await owner.PostJsonAsync($"/api/v1/domains/{id}/gtm/explain", new { client = "203.0.113.7" }, HttpStatusCode.OK);
        Assert.StartsWith("control plane", controlPlane.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(nameof(GtmReason.AllDown), controlPlane.GetProperty("reason").GetString());

        var missing = await owner.PostJsonAsync($"/api/v1/domains/{id}/gtm/explain", new { client = "203.0.113.7", node = nodeId }, HttpStatusCode.OK);
        Assert.Equal("NoNodeView", missing.GetProperty("reason").GetString());

        // The node's own tables: both servers up, London 6 ms and San Jose 140 ms from the client's /24.
        using var edge = factory.CreateClient();
        edge.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(EdgeApi.AuthorizationScheme, EdgeApi.FormatAuthorization(nodeId, key));
        var takenAt = DateTimeOffset.UtcNow;
        var store = new MetricsStore();
        store.ApplyServiceMetrics([new ServiceMetric(sjc.Key, 3, ProbeError.None, takenAt.AddSeconds(-2), "probe-1"), new ServiceMetric(lhr.Key, 4, ProbeError.None, takenAt.AddSeconds(-2), "probe-1")]);
        store.ApplyLatency(
        [
            new LatencyMeasurement("lhr", "203.0.113.0/24", "203.0.113.1", TimeSpan.FromMilliseconds(6), LatencyQuality.Full, takenAt.AddSeconds(-5), "probe-1"),
            new LatencyMeasurement("sjc", "203.0.113.0/24", "203.0.113.1", TimeSpan.FromMilliseconds(140), LatencyQuality.Full, takenAt.AddSeconds(-5), "probe-1"),
        ]);
        await UploadAsync(edge, nodeId, 1, DnsNodeViews.Take(store, "spoofed-name", version, null, takenAt));

        var nodes = await owner.GetJsonAsync("/api/v1/gtm/nodes");
        Assert.Contains(nodes.EnumerateArray(), n => n.GetProperty("nodeId").GetString() == nodeId);

        var byNode = await owner.PostJsonAsync($"/api/v1/domains/{id}/gtm/explain", new { client = "203.0.113.7", node = nodeId }, HttpStatusCode.OK);
        Assert.StartsWith($"dns node {nodeId}: its own service and latency tables (2 service results, 2 latency entries)", byNode.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(nameof(GtmReason.Latency), byNode.GetProperty("reason").GetString());
        Assert.Equal(["127.0.0.94"], byNode.GetProperty("answers").EnumerateArray().Select(a => a.GetString()));

        // A newer view where London's server failed its test: the node answers San Jose, and so does the explainer.
        store.ApplyServiceMetrics([new ServiceMetric(lhr.Key, ServiceMetric.FailedValue, ProbeError.Timeout, takenAt.AddSeconds(1), "probe-1")]);
        await UploadAsync(edge, nodeId, 2, DnsNodeViews.Take(store, nodeId, version, null, takenAt.AddSeconds(2)));
        var failed = await owner.PostJsonAsync($"/api/v1/domains/{id}/gtm/explain", new { client = "203.0.113.7", node = nodeId }, HttpStatusCode.OK);
        Assert.Equal(["127.0.0.93"], failed.GetProperty("answers").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains(failed.GetProperty("steps").EnumerateArray(), s => s.GetString()!.Contains("127.0.0.94", StringComparison.Ordinal) && s.GetString()!.Contains("failed: Timeout", StringComparison.Ordinal));

        // An older record arriving late does not replace the newer view.
        await UploadAsync(edge, nodeId, 3, DnsNodeViews.Take(new MetricsStore(), nodeId, version, null, takenAt.AddSeconds(-60)));
        var still = await owner.PostJsonAsync($"/api/v1/domains/{id}/gtm/explain", new { client = "203.0.113.7", node = nodeId }, HttpStatusCode.OK);
        Assert.Equal(["127.0.0.93"], still.GetProperty("answers").EnumerateArray().Select(a => a.GetString()));
    }

    private async Task<(HostnamePlan Plan, long Version)> PlanAsync(string name)
    {
        using var scope = factory.Services.CreateScope();
        var latest = await scope.ServiceProvider.GetRequiredService<ConfigurationFeed>().GetLatestAsync(default);
        Assert.NotNull(latest);
        Assert.True(SignedConfiguration.TryParse(latest.EnvelopeBytes, out var envelope, out _));
        var configuration = GtmConfiguration.Build(NetworkConfigurationSerializer.Deserialize(envelope!.Document));
        Assert.True(configuration.TryGetHostname(name, out var plan));
        return (plan!, latest.Version);
    }

    private static async Task UploadAsync(HttpClient edge, string nodeId, long sequence, DnsNodeView view)
    {
        var payload = JsonSerializer.SerializeToElement(view, EdgeReportJson.Default.DnsNodeView);
        var batch = new UploadBatch(nodeId, UploadKinds.DnsView, [new UploadRecord(sequence, DateTimeOffset.UtcNow, payload)]);
        using var response = await edge.PostAsJsonAsync(EdgeApi.UploadsPath(UploadKinds.DnsView), batch, EdgeApiJsonContext.Default.UploadBatch);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}

public sealed class SqliteGtmPolicyApiTests(SqlitePortalFactory factory) : GtmPolicyApiTests<SqlitePortalFactory>(factory);

public sealed class PostgresGtmPolicyApiTests(PostgresPortalFactory factory) : GtmPolicyApiTests<PostgresPortalFactory>(factory);
