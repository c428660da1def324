using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Tests.Integration.Portal;
using Speedera.Tests.Support;
using Speedera.Web.Features.Configuration;

namespace Speedera.Tests.Integration.Metrics;

/// <summary>The portal's <c>/metrics</c>: ASP.NET Core's request meters and the portal's own, for NOC/Admin (or local scrapers) only.</summary>
public sealed class PortalMetricsTests(SqlitePortalFactory factory) : IClassFixture<SqlitePortalFactory>
{
    [Fact]
    public async Task Anonymous_visitors_and_customers_get_no_metrics()
    {
        var anonymous = factory.CreatePortalClient();
        using var anonymousResponse = await anonymous.Http.GetAsync("/metrics");
        Assert.NotEqual(HttpStatusCode.OK, anonymousResponse.StatusCode);
        Assert.DoesNotContain("# TYPE", await anonymousResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var customer = await Tenant.CreateAsync(factory, "Metrics Curious Inc");
        using var customerResponse = await customer.Browser.Http.GetAsync("/metrics");
        Assert.NotEqual(HttpStatusCode.OK, customerResponse.StatusCode);
        Assert.DoesNotContain("# TYPE", await customerResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_scrapes_request_and_publish_series_that_move()
    {
        var admin = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await admin.LogInAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        var before = await ScrapeAsync(admin);

        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync("metrics-test");
        }

        // The exporter caches a scrape for a moment: wait for one that shows the publish.
        string after = before;
        await Eventually.TrueAsync(
            () =>
            {
                after = ScrapeAsync(admin).GetAwaiter().GetResult();
                return PrometheusText.Sum(after, "speedera_portal_config_publishes_total") > PrometheusText.Sum(before, "speedera_portal_config_publishes_total");
            },
            "a scrape shows the publish");

        // ASP.NET Core's request meters (http.server.*, kestrel.*) are exported too, but are not asserted here: every
        // portal this test process starts has meters of those names, OpenTelemetry subscribes by name and keeps one
        // instrument per name, so this portal's /metrics may show another (even a disposed) portal's series.
        Assert.True(PrometheusText.Has(after, "target_info"), after);
        Assert.Contains("service_name=\"speedera-portal\"", after, StringComparison.Ordinal);
    }

    private static async Task<string> ScrapeAsync(PortalClient client)
    {
        using var response = await client.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
