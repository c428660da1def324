using System.Net;
using System.Net.Http.Json;

namespace Speedera.Tests.Integration.Portal;

/// <summary>The REST API under /api/v1 with API keys, problem details and the same rules as the pages.</summary>
public abstract class ApiTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Fact]
    public async Task Api_manages_a_gtm_hostname_end_to_end()
    {
        var tenant = await Tenant.CreateAsync(factory, "Api Shop");
        var label = "api" + Guid.NewGuid().ToString("N")[..8];

        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name = label, gtm = true, cdn = false }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal($"{label}.speedera.net", created.GetProperty("name").GetString());
        Assert.Equal("active", created.GetProperty("status").GetString());
        Assert.False(created.GetProperty("serving").GetBoolean());

        var settings = new
        {
            addresses = new[]
            {
                new { address = "127.0.0.21", description = "primary", popId = "sjc", weight = 3, hiddenFailover = false },
                new { address = "127.0.0.22", description = "secondary", popId = "lhr", weight = 1, hiddenFailover = false },
                new { address = "127.0.0.23", description = "backup", popId = "fra", weight = 1, hiddenFailover = true },
            },
            testType = "Http",
            testPort = 8081,
            testPath = "/health",
            testExpectedStatus = 200,
            testExpectedContent = "ok",
            testIntervalSeconds = 5,
            testTimeoutSeconds = 2,
            ttlSeconds = 20,
            useLatency = true,
            persistenceEnabled = false,
            persistenceAccessTimeoutSeconds = 300,
            persistenceRefreshTimeoutSeconds = 3600,
        };
        var saved = await tenant.PutJsonAsync($"/api/v1/domains/{id}/gtm", settings, HttpStatusCode.OK);
        Assert.True(saved.GetProperty("publishedVersion").GetInt64() > 0);

        var gtm = await tenant.GetJsonAsync($"/api/v1/domains/{id}/gtm");
        Assert.Equal(3, gtm.GetProperty("addresses").GetArrayLength());
        var live = await tenant.GetJsonAsync($"/api/v1/domains/{id}/live");
        Assert.Equal(3, live.GetArrayLength());
        Assert.Equal("unknown", live[0].GetProperty("state").GetString()!.ToLowerInvariant());
        Assert.True((await tenant.GetJsonAsync($"/api/v1/domains/{id}")).GetProperty("serving").GetBoolean());

        var response = await tenant.Api.DeleteAsync($"/api/v1/domains/{id}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await tenant.GetJsonAsync($"/api/v1/domains/{id}", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Invalid_settings_answer_problem_details_and_change_nothing()
    {
        var tenant = await Tenant.CreateAsync(factory, "Problem Shop");
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name = "pb" + Guid.NewGuid().ToString("N")[..8], gtm = true }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();

        var response = await tenant.Api.PutAsJsonAsync($"/api/v1/domains/{id}/gtm", new
        {
            addresses = new[] { new { address = "999.1.1.1", popId = "nowhere", weight = 0, hiddenFailover = false } },
            testType = "Http",
            testPort = 70000,
            testPath = "no-slash",
            testExpectedStatus = 200,
            testIntervalSeconds = 5,
            testTimeoutSeconds = 10,
            ttlSeconds = 20,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var errors = problem.GetProperty("errors");
        Assert.Contains("not an IPv4 or IPv6 address", errors.GetProperty("Addresses[0].Address")[0].GetString());
        Assert.True(errors.TryGetProperty("TestPort", out _));
        Assert.True(errors.TryGetProperty("TestPath", out _));
        Assert.True(errors.TryGetProperty("TestTimeoutSeconds", out _));
        Assert.Equal(0, (await tenant.GetJsonAsync($"/api/v1/domains/{id}/gtm")).GetProperty("addresses").GetArrayLength());
    }

    [Theory]
    [InlineData("")]
    [InlineData("ns1")]
    [InlineData("bad_label")]
    [InlineData("-dash")]
    [InlineData("<script>")]
    public async Task Bad_hostnames_are_refused(string name)
    {
        var tenant = await Tenant.CreateAsync(factory, "Names Shop");
        var response = await tenant.Api.PostAsJsonAsync("/api/v1/domains", new { name, gtm = true });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"Name\"", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await tenant.GetJsonAsync("/api/v1/domains")).GetArrayLength());
    }

    [Fact]
    public async Task Customer_owned_name_gets_cname_target_and_pending_verification()
    {
        var tenant = await Tenant.CreateAsync(factory, "Own Name Shop");
        var name = $"images.{Guid.NewGuid():N}.example";
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name, kind = "customer-owned", cdn = true, gtm = false, origin = "wwx.example.com" }, HttpStatusCode.Created);

        Assert.Equal("pending", created.GetProperty("status").GetString());
        Assert.Equal(name.Replace('.', '-') + ".speedera.net", created.GetProperty("cnameTarget").GetString());
        Assert.Equal(2, created.GetProperty("nameServers").GetArrayLength());
        var (_, page) = await tenant.Browser.GetAsync($"/domains/{created.GetProperty("id").GetGuid()}");
        Assert.Contains($"{name}.    300    IN    CNAME    {name.Replace('.', '-')}.speedera.net.", page.QuerySelector("[data-testid=cname-record]")!.TextContent);
        Assert.Contains("wwx.example.com", page.QuerySelector("[data-testid=cdn-howto]")!.TextContent);
    }

    [Fact]
    public async Task Purge_through_the_api_is_recorded_with_a_status_per_node()
    {
        var tenant = await Tenant.CreateAsync(factory, "Purge Shop");
        var label = "pg" + Guid.NewGuid().ToString("N")[..8];
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name = label, cdn = true, gtm = false, origin = "127.0.0.1" }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();

        var order = await tenant.PostJsonAsync($"/api/v1/domains/{id}/purges", new { url = $"http://{label}.speedera.net/images/", soft = false }, HttpStatusCode.Accepted);
        Assert.Equal("prefix", order.GetProperty("kind").GetString());
        Assert.Equal("/images/", order.GetProperty("path").GetString());

        var fetched = await tenant.GetJsonAsync($"/api/v1/purges/{order.GetProperty("id").GetGuid()}");
        Assert.Equal(order.GetProperty("id").GetGuid(), fetched.GetProperty("id").GetGuid());
        var wrongHost = await tenant.Api.PostAsJsonAsync($"/api/v1/domains/{id}/purges", new { url = "http://elsewhere.example/x", soft = false });
        Assert.Equal(HttpStatusCode.BadRequest, wrongHost.StatusCode);
    }

    [Fact]
    public async Task Cdn_settings_accept_an_ip_origin_and_host_header_and_refuse_bad_ones()
    {
        var tenant = await Tenant.CreateAsync(factory, "Cdn Settings Shop");
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name = "cs" + Guid.NewGuid().ToString("N")[..8], cdn = true, gtm = false, origin = "127.0.0.1" }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();

        await tenant.PutJsonAsync($"/api/v1/domains/{id}/cdn", new { origin = "127.0.0.1", originScheme = "http", originPort = 8081, originHostHeader = "127.0.0.1", defaultTtlSeconds = 60, honorOriginHeaders = true }, HttpStatusCode.OK);
        var cdn = await tenant.GetJsonAsync($"/api/v1/domains/{id}/cdn");
        Assert.Equal(8081, cdn.GetProperty("originPort").GetInt32());
        Assert.Equal("127.0.0.1", cdn.GetProperty("originHostHeader").GetString());

        var bad = await tenant.Api.PutAsJsonAsync($"/api/v1/domains/{id}/cdn", new { origin = "not a host!", originScheme = "gopher", originPort = 0, defaultTtlSeconds = -1, honorOriginHeaders = true });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("\"Origin\"", problem);
        Assert.Contains("\"OriginScheme\"", problem);
        Assert.Contains("\"OriginPort\"", problem);
        Assert.Contains("\"DefaultTtlSeconds\"", problem);
        Assert.Equal(8081, (await tenant.GetJsonAsync($"/api/v1/domains/{id}/cdn")).GetProperty("originPort").GetInt32());
    }

    [Fact]
    public async Task Missing_revoked_or_cookie_credentials_are_refused()
    {
        var anonymous = factory.CreateClient();
        var none = await anonymous.GetAsync("/api/v1/domains");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType!.MediaType);

        anonymous.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "spk_not-a-real-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/domains")).StatusCode);

        // A signed-in browser session does not open the API: no cookie-borne requests, so no CSRF.
        var tenant = await Tenant.CreateAsync(factory, "Cookie Shop");
        Assert.Equal(HttpStatusCode.Unauthorized, (await tenant.Browser.Http.GetAsync("/api/v1/domains")).StatusCode);
    }

    [Fact]
    public async Task Openapi_document_describes_the_api()
    {
        var response = await factory.CreateClient().GetAsync("/api/v1/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("/api/v1/domains/{id}/gtm", text);
        Assert.Contains("/api/v1/purges/{id}", text);
        Assert.DoesNotContain("/api/edge/", text);
    }
}

public sealed class SqliteApiTests(SqlitePortalFactory factory) : ApiTests<SqlitePortalFactory>(factory);

public sealed class PostgresApiTests(PostgresPortalFactory factory) : ApiTests<PostgresPortalFactory>(factory);
