using System.Net;
using System.Net.Http.Json;
using Speedera.Core.Security;
using Speedera.Tests.Integration.Portal;
using Speedera.Tests.Unit.Security;

namespace Speedera.Tests.Integration.Security;

/// <summary>Customer-given targets are refused when saved, through the REST API (the pages use the same service).</summary>
public sealed class TargetValidationApiTests(StrictTargetsPortalFactory factory) : IClassFixture<StrictTargetsPortalFactory>
{
    private static object GtmSettings(string address) => new
    {
        addresses = new[] { new { address, description = "x", popId = "sjc", weight = 1, hiddenFailover = false } },
        testType = "Http",
        testPort = 5080,
        testPath = "/health/ready",
        testExpectedStatus = 200,
        testExpectedContent = "Healthy",
        testIntervalSeconds = 5,
        testTimeoutSeconds = 2,
        ttlSeconds = 20,
        useLatency = true,
        persistenceEnabled = false,
        persistenceAccessTimeoutSeconds = 300,
        persistenceRefreshTimeoutSeconds = 3600,
    };

    [Fact]
    public async Task Gtm_address_on_loopback_is_refused()
    {
        var tenant = await Tenant.CreateAsync(factory, "Loopback Gtm");
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name = "lg" + Guid.NewGuid().ToString("N")[..8], gtm = true }, HttpStatusCode.Created);

        using var response = await tenant.Api.PutAsJsonAsync($"/api/v1/domains/{created.GetProperty("id").GetGuid()}/gtm", GtmSettings("127.0.0.1"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("127.0.0.1 is a loopback address", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cdn_origin_on_loopback_is_refused()
    {
        var tenant = await Tenant.CreateAsync(factory, "Loopback Origin");
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name = "lo" + Guid.NewGuid().ToString("N")[..8], cdn = true, gtm = false, origin = "wwx.example.com" }, HttpStatusCode.Created);

        using var response = await tenant.Api.PutAsJsonAsync($"/api/v1/domains/{created.GetProperty("id").GetGuid()}/cdn",
            new { origin = "127.0.0.1", originScheme = "http", originPort = 9200, defaultTtlSeconds = 60, honorOriginHeaders = true });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("127.0.0.1 is a loopback address", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_forbidden_range_is_refused_as_gtm_address_and_as_origin()
    {
        var tenant = await Tenant.CreateAsync(factory, "Matrix Shop");
        var gtm = (await tenant.PostJsonAsync("/api/v1/domains", new { name = "mg" + Guid.NewGuid().ToString("N")[..8], gtm = true }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var cdn = (await tenant.PostJsonAsync("/api/v1/domains", new { name = "mc" + Guid.NewGuid().ToString("N")[..8], cdn = true, gtm = false, origin = "wwx.example.com" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var failures = new List<string>();
        var cases = 0;
        foreach (var (range, category, address) in TargetMatrix.Rows)
        {
            var reason = NetworkTargetGuard.Describe(category);
            using (var response = await tenant.Api.PutAsJsonAsync($"/api/v1/domains/{gtm}/gtm", GtmSettings(address)))
            {
                cases++;
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.BadRequest || !body.Contains(reason, StringComparison.Ordinal) || !body.Contains("Addresses[0].Address", StringComparison.Ordinal))
                {
                    failures.Add($"GTM {address} ({range}): {(int)response.StatusCode} {body}");
                }
            }

            using (var response = await tenant.Api.PutAsJsonAsync($"/api/v1/domains/{cdn}/cdn",
                new { origin = address, originScheme = "http", originPort = 80, defaultTtlSeconds = 60, honorOriginHeaders = true }))
            {
                cases++;
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.BadRequest || !body.Contains(reason, StringComparison.Ordinal) || !body.Contains("\"Origin\"", StringComparison.Ordinal))
                {
                    failures.Add($"origin {address} ({range}): {(int)response.StatusCode} {body}");
                }
            }
        }

        Assert.Equal(2 * TargetMatrix.Rows.Count(), cases);
        Assert.Empty(failures);
        Assert.Equal(0, (await tenant.GetJsonAsync($"/api/v1/domains/{gtm}/gtm")).GetProperty("addresses").GetArrayLength());
    }

    [Fact]
    public async Task New_cdn_hostname_with_a_private_origin_is_refused()
    {
        var tenant = await Tenant.CreateAsync(factory, "New Origin");

        using var response = await tenant.Api.PostAsJsonAsync("/api/v1/domains", new { name = "no" + Guid.NewGuid().ToString("N")[..8], cdn = true, gtm = false, origin = "169.254.169.254" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("169.254.169.254 is a link-local address.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, (await tenant.GetJsonAsync("/api/v1/domains")).GetArrayLength());
    }

    [Fact]
    public async Task Special_use_origin_name_is_refused()
    {
        var tenant = await Tenant.CreateAsync(factory, "Local Origin");

        using var response = await tenant.Api.PostAsJsonAsync("/api/v1/domains", new { name = "ln" + Guid.NewGuid().ToString("N")[..8], cdn = true, gtm = false, origin = "admin.localhost" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("special-use name", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gtm_settings_on_a_cdn_hostname_are_refused_with_a_message()
    {
        var tenant = await Tenant.CreateAsync(factory, "Both Shop");
        var cdn = (await tenant.PostJsonAsync("/api/v1/domains", new { name = "bo" + Guid.NewGuid().ToString("N")[..8], cdn = true, gtm = false, origin = "wwx.example.com" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();

        using var response = await tenant.Api.PutAsJsonAsync($"/api/v1/domains/{cdn}/gtm", GtmSettings("8.8.8.8"));
        using var both = await tenant.Api.PostAsJsonAsync("/api/v1/domains", new { name = "bb" + Guid.NewGuid().ToString("N")[..8], cdn = true, gtm = true, origin = "wwx.example.com" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not both", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, both.StatusCode);
        Assert.Contains("not both", await both.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
