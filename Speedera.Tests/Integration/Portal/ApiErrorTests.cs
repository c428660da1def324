using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;

namespace Speedera.Tests.Integration.Portal;

/// <summary>The portal as <c>dotnet run</c> starts it (Development), without the embedded edge node.</summary>
public sealed class DevelopmentPortalFactory : PortalFactory
{
    public override string ProviderName => "Sqlite";

    protected override IEnumerable<KeyValuePair<string, string>> DatabaseSettings() =>
        [new("Database:Provider", "Sqlite"), new("Speedera:EmbeddedEdge:Enabled", "false")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Development");
    }
}

/// <summary>API errors are problem details only: no stack trace, no echoed request headers, in any environment.</summary>
public sealed class ApiErrorTests(DevelopmentPortalFactory factory) : IClassFixture<DevelopmentPortalFactory>
{
    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "/api/v1/domains", "{\"name\": \"x\", " },
        { "/api/v1/domains", "not json at all" },
        { "/api/v1/domains", "{\"name\": 42, \"cdn\": \"yes\"}" },
        { "/api/v1/domains/00000000-0000-0000-0000-000000000001/gtm", "{\"addresses\": [{\"weight\": 99999999999999999999}]}" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Malformed_json_in_development_answers_problem_details_without_trace_or_headers(string path, string body)
    {
        var tenant = await Tenant.CreateAsync(factory, "Malformed Shop");
        var key = tenant.Api.DefaultRequestHeaders.Authorization!.Parameter!;
        using var request = new HttpRequestMessage(path.EndsWith("/gtm", StringComparison.Ordinal) ? HttpMethod.Put : HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Canary", "canary-header-value");
        request.Headers.Accept.ParseAdd("application/json");

        var response = await tenant.Api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(key, text);
        Assert.DoesNotContain(key[..12], text);
        Assert.DoesNotContain("canary-header-value", text);
        Assert.DoesNotContain("Authorization", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain("Exception", text);
        Assert.DoesNotContain(".cs:line", text);
    }
}
