using System.Net;
using System.Net.Http.Json;
using Speedera.Tests.Integration.Portal;

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
}
