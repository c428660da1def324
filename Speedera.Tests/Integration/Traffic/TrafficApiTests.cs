using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Cache;
using Speedera.Core.Gtm;
using Speedera.Tests.Integration.Portal;
using Speedera.Web.Features.Reports;

namespace Speedera.Tests.Integration.Traffic;

/// <summary>GET /api/v1/domains/{id}/traffic and /decisions, and the pages' CSV exports: keyed, tenant-isolated, JSON and CSV.</summary>
public abstract class TrafficApiTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    private async Task<(Tenant Tenant, Guid Id, string Name)> DomainWithTrafficAsync(string organization)
    {
        var tenant = await Tenant.CreateAsync(factory, organization);
        var label = "tr" + Guid.NewGuid().ToString("N")[..8];
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name = label, gtm = true, cdn = false }, HttpStatusCode.Created);
        var name = created.GetProperty("name").GetString()!;
        var store = factory.Services.GetRequiredService<ITrafficStore>();
        var minute = DateTimeOffset.UtcNow.AddMinutes(-10);
        minute = new DateTimeOffset(minute.Ticks - (minute.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        await factory.WithDbAsync(async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            await store.AddUsageAsync(db, "node-a", [new UsageRollup(minute, name, "sjc", "node-a", 120, 60_000, 6_000, 110, 0, 5, 5, 90, 30)], default);
            await store.AddDecisionsAsync(db, "dns-a",
                [new DecisionCountRow(minute, name, "192.0.2.10", "sjc", 7, GtmReason.Latency), new DecisionCountRow(minute, name, "192.0.2.11", "lhr", 2, GtmReason.HiddenFailover)], default);
            await db.SaveChangesAsync();
            await tx.CommitAsync();
            return 0;
        });
        return (tenant, created.GetProperty("id").GetGuid(), name);
    }

    [Fact]
    public async Task Traffic_comes_back_as_json_and_csv_for_the_owner_only()
    {
        var (owner, id, _) = await DomainWithTrafficAsync("Traffic Owner");
        var other = await Tenant.CreateAsync(factory, "Traffic Stranger");

        var json = await owner.GetJsonAsync($"/api/v1/domains/{id}/traffic?step=1m&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}");
        Assert.Equal(60, json.GetProperty("stepSeconds").GetInt32());
        var points = json.GetProperty("points").EnumerateArray().ToList();
        Assert.InRange(points.Count, 60, 61);
        var busy = Assert.Single(points, p => p.GetProperty("requests").GetInt64() > 0);
        Assert.Equal(120, busy.GetProperty("requests").GetInt64());
        Assert.Equal(2.0, busy.GetProperty("requestsPerSecond").GetDouble());
        Assert.Equal(75.0, busy.GetProperty("hitRatio").GetDouble());
        Assert.Equal(90.0, busy.GetProperty("offload").GetDouble());
        Assert.Equal("sjc", json.GetProperty("pops")[0].GetProperty("popId").GetString());

        var csv = await owner.Api.GetAsync($"/api/v1/domains/{id}/traffic?format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("time,requests,bytes_to_clients,bytes_from_origin,hits,misses", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains(",120,60000,6000,90,30,110,0,5,5,", StringComparison.Ordinal));

        using var accept = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/domains/{id}/decisions");
        accept.Headers.Accept.ParseAdd("text/csv");
        var decisionsCsv = await (await owner.Api.SendAsync(accept)).Content.ReadAsStringAsync();
        Assert.StartsWith("time,hostname,address,pop,reason,count\r\n", decisionsCsv, StringComparison.Ordinal);
        Assert.Contains(",192.0.2.11,lhr,HiddenFailover,2\r\n", decisionsCsv, StringComparison.Ordinal);

        await other.GetJsonAsync($"/api/v1/domains/{id}/traffic", HttpStatusCode.NotFound);
        await other.GetJsonAsync($"/api/v1/domains/{id}/decisions", HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Browser.Http.GetAsync($"/traffic/export/{id}?chart=bytes")).StatusCode);
    }

    [Fact]
    public async Task Decisions_carry_address_pop_and_reason_per_interval()
    {
        var (owner, id, name) = await DomainWithTrafficAsync("Decision Owner");
        var json = await owner.GetJsonAsync($"/api/v1/domains/{id}/decisions?step=1h");
        Assert.Equal(3600, json.GetProperty("stepSeconds").GetInt32());
        var points = json.GetProperty("points").EnumerateArray().ToList();
        var latency = Assert.Single(points, p => p.GetProperty("reason").GetString() == "Latency");
        Assert.Equal(7, latency.GetProperty("count").GetInt64());
        Assert.Equal("192.0.2.10", latency.GetProperty("address").GetString());
        Assert.Equal(name, latency.GetProperty("hostname").GetString());
        Assert.Equal(2, points.Count);
    }

    [Theory]
    [InlineData("step=10")]
    [InlineData("step=soon")]
    [InlineData("from=yesterday")]
    [InlineData("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")]
    [InlineData("from=2020-01-01T00:00:00Z&step=1m")]
    public async Task A_window_that_makes_no_sense_is_a_problem_not_a_guess(string query)
    {
        var (owner, id, _) = await DomainWithTrafficAsync("Window Owner " + query.Length);
        var response = await owner.Api.GetAsync($"/api/v1/domains/{id}/traffic?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Page_csv_export_is_the_plotted_table()
    {
        var (owner, id, _) = await DomainWithTrafficAsync("Export Owner");
        var response = await owner.Browser.Http.GetAsync($"/traffic/export/{id}?chart=hits&range=1h&tz=Europe/Berlin");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,Requests/s,Previous day", lines[0]);
        Assert.Contains(lines, l => l.Split(',')[1] == "2");
        Assert.Equal(HttpStatusCode.BadRequest, (await owner.Browser.Http.GetAsync($"/traffic/export/{id}?chart=nope")).StatusCode);

        var reasons = await (await owner.Browser.Http.GetAsync($"/traffic/export/{id}?chart=reasons&range=1h")).Content.ReadAsStringAsync();
        Assert.StartsWith("time,HiddenFailover,Latency\r\n", reasons, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Openapi_document_describes_traffic_and_decisions()
    {
        var document = await factory.CreateClient().GetStringAsync("/api/v1/openapi.json");
        using var json = JsonDocument.Parse(document);
        var paths = json.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/domains/{id}/traffic", out var traffic));
        Assert.True(paths.TryGetProperty("/api/v1/domains/{id}/decisions", out _));
        Assert.True(traffic.GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/csv", out _));
    }
}

public sealed class SqliteTrafficApiTests(SqlitePortalFactory factory) : TrafficApiTests<SqlitePortalFactory>(factory);

public sealed class PostgresTrafficApiTests(PostgresPortalFactory factory) : TrafficApiTests<PostgresPortalFactory>(factory);
