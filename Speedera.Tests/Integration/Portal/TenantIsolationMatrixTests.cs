using System.Net;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Speedera.Tests.Integration.Portal;

/// <summary>
/// Every page and API route the portal maps is enumerated from its endpoint data source; a user
/// or key of organization B calls each with organization A's object ids and must get 403 or 404
/// and none of A's data. A route added tomorrow is covered without anyone listing it here.
/// </summary>
public abstract class TenantIsolationMatrixTests<TFactory>(TFactory factory, ITestOutputHelper output) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    /// <summary>Routes outside customer tenancy: node-authenticated edge API, identity, health, documents.</summary>
    private static readonly string[] OutOfScope = ["/api/edge/", "/Account/", "/health/", "/api/{documentName}", "/Error", "/not-found"];

    [Fact]
    public async Task Organization_b_gets_403_or_404_for_every_route_with_organization_a_objects()
    {
        var owner = await Tenant.CreateAsync(factory, "Matrix Owner");
        var intruder = await Tenant.CreateAsync(factory, "Matrix Intruder");
        var secret = "mx" + Guid.NewGuid().ToString("N")[..10];
        var gtm = await owner.PostJsonAsync("/api/v1/domains", new { name = secret, gtm = true }, HttpStatusCode.Created);
        await owner.PutJsonAsync($"/api/v1/domains/{gtm.GetProperty("id").GetGuid()}/gtm", new
        {
            addresses = new[] { new { address = "127.0.0.91", description = "owner-server", popId = "sjc", weight = 1, hiddenFailover = false } },
            testType = "Http", testPort = 80, testPath = "/", testExpectedStatus = 200, testIntervalSeconds = 10, testTimeoutSeconds = 5, ttlSeconds = 30,
        }, HttpStatusCode.OK);
        var cdn = await owner.PostJsonAsync("/api/v1/domains", new { name = secret + "c", cdn = true, gtm = false, origin = "127.0.0.92" }, HttpStatusCode.Created);
        var purge = await owner.PostJsonAsync($"/api/v1/domains/{cdn.GetProperty("id").GetGuid()}/purges", new { url = $"http://{secret}c.speedera.net/a.png", soft = false }, HttpStatusCode.Accepted);
        var ownerIds = new[] { gtm.GetProperty("id").GetGuid(), cdn.GetProperty("id").GetGuid(), purge.GetProperty("id").GetGuid() };
        string[] ownerSecrets = [secret, "127.0.0.91", "127.0.0.92", "owner-server", "Matrix Owner"];

        var routes = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !OutOfScope.Any(p => raw.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        var calls = 0;
        var routesWithIds = 0;
        var failures = new List<string>();
        foreach (var endpoint in routes)
        {
            var pattern = endpoint.RoutePattern;
            var isApi = pattern.RawText!.StartsWith("/api/", StringComparison.Ordinal);
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            if (!isApi)
            {
                methods = ["GET"];
            }

            var paths = pattern.Parameters.Count == 0 ? [Fill(pattern, null)] : ownerIds.Select(id => Fill(pattern, id)).ToList();
            routesWithIds += pattern.Parameters.Count > 0 ? 1 : 0;
            foreach (var method in methods.Distinct())
            {
                foreach (var path in paths)
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    if (method is "POST" or "PUT")
                    {
                        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    }

                    var response = await (isApi ? intruder.Api : intruder.Browser.Http).SendAsync(request);
                    var body = await response.Content.ReadAsStringAsync();
                    calls++;
                    var status = (int)response.StatusCode;
                    var leaked = ownerSecrets.FirstOrDefault(s => body.Contains(s, StringComparison.Ordinal));
                    if (leaked is not null)
                    {
                        failures.Add($"{method} {path} → {status} shows organization A's '{leaked}'");
                    }
                    else if (pattern.Parameters.Count > 0 && status is not (403 or 404) && !IsRedirectToAccessDenied(response))
                    {
                        failures.Add($"{method} {path} → {status}, expected 403 or 404");
                    }
                    else if (status >= 500)
                    {
                        failures.Add($"{method} {path} → {status}");
                    }
                }
            }
        }

        output.WriteLine($"{routes.Count} routes ({routesWithIds} with object ids), {calls} calls as organization B");
        foreach (var e in routes.OrderBy(e => e.RoutePattern.RawText))
        {
            output.WriteLine($"  {e.RoutePattern.RawText} [{string.Join(",", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])}]");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(routes.Count >= 25, $"only {routes.Count} routes enumerated");
        Assert.True(routesWithIds >= 10, $"only {routesWithIds} routes take object ids");

        // Organization A's objects are untouched.
        Assert.Equal(2, (await owner.GetJsonAsync("/api/v1/domains")).GetArrayLength());
        Assert.Equal(1, (await owner.GetJsonAsync($"/api/v1/domains/{ownerIds[0]}/gtm")).GetProperty("addresses").GetArrayLength());
        Assert.Equal(ownerIds[2], (await owner.GetJsonAsync($"/api/v1/purges/{ownerIds[2]}")).GetProperty("id").GetGuid());
    }

    private static bool IsRedirectToAccessDenied(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.ToString().Contains("/Account/AccessDenied", StringComparison.Ordinal) == true;

    private static string Fill(RoutePattern pattern, Guid? id)
    {
        var builder = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            builder.Append('/');
            foreach (var part in segment.Parts)
            {
                builder.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternParameterPart => id?.ToString() ?? throw new InvalidOperationException("parameter without id"),
                    RoutePatternSeparatorPart separator => separator.Content,
                    _ => "",
                });
            }
        }

        return builder.Length == 0 ? "/" : builder.ToString();
    }
}

public sealed class SqliteTenantIsolationMatrixTests(SqlitePortalFactory factory, ITestOutputHelper output)
    : TenantIsolationMatrixTests<SqlitePortalFactory>(factory, output);

public sealed class PostgresTenantIsolationMatrixTests(PostgresPortalFactory factory, ITestOutputHelper output)
    : TenantIsolationMatrixTests<PostgresPortalFactory>(factory, output);
