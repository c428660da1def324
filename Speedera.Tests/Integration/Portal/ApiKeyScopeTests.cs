using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Web.Features.Api;

namespace Speedera.Tests.Integration.Portal;

/// <summary>API keys with a scope (read-only or full) and an optional expiry, enforced by the API's authentication.</summary>
public abstract class ApiKeyScopeTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    private async Task<(string Key, HttpClient Api)> CreateKeyAsync(Tenant tenant, string name, string scope, int expiresInDays)
    {
        // The interactive page's form is tested in ApiKeysPageTests; here the key comes from the service it calls.
        string key;
        using (var services = factory.Services.CreateScope())
        {
            key = (await services.ServiceProvider.GetRequiredService<ApiKeyService>().IssueAsync(tenant.OrganizationId, name, tenant.Email, Enum.Parse<ApiKeyScope>(scope),
                expiresInDays > 0 ? TimeSpan.FromDays(expiresInDays) : null))!.Key;
        }

        var api = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return (key, api);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient api, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        var response = await api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Read_only_key_reads_but_every_write_gets_403_problem()
    {
        var tenant = await Tenant.CreateAsync(factory, "Read Only Co");
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name = $"ro{Guid.NewGuid():N}"[..12], gtm = true }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString();
        var (_, readOnly) = await CreateKeyAsync(tenant, "dashboard", "ReadOnly", 0);

        var (listed, list) = await SendAsync(readOnly, HttpMethod.Get, "/api/v1/domains");
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(readOnly, HttpMethod.Get, $"/api/v1/domains/{id}")).Status);

        var (post, problem) = await SendAsync(readOnly, HttpMethod.Post, "/api/v1/domains", new { name = "nope", gtm = true });
        Assert.Equal(HttpStatusCode.Forbidden, post);
        Assert.Equal(403, problem.GetProperty("status").GetInt32());
        Assert.Contains("read-only", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(readOnly, HttpMethod.Delete, $"/api/v1/domains/{id}")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(readOnly, HttpMethod.Post, $"/api/v1/domains/{id}/verify")).Status);

        Assert.Equal(1, (await tenant.GetJsonAsync("/api/v1/domains")).GetArrayLength());
        var (_, page) = await tenant.Browser.GetAsync("/api-keys");
        Assert.Contains("read-only", page.QuerySelectorAll("[data-testid=key-scope]").Select(e => e.TextContent));
    }

    [Fact]
    public async Task Full_key_may_write()
    {
        var tenant = await Tenant.CreateAsync(factory, "Full Co");
        var (_, full) = await CreateKeyAsync(tenant, "deploy", "Full", 30);

        var (status, _) = await SendAsync(full, HttpMethod.Post, "/api/v1/domains", new { name = $"fu{Guid.NewGuid():N}"[..12], gtm = true });

        Assert.Equal(HttpStatusCode.Created, status);
    }

    [Fact]
    public async Task Expired_key_gets_401_saying_so_and_the_list_shows_it_expired()
    {
        var tenant = await Tenant.CreateAsync(factory, "Expiring Co");
        var (key, api) = await CreateKeyAsync(tenant, "temporary", "Full", 7);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(api, HttpMethod.Get, "/api/v1/domains")).Status);
        var expires = await factory.WithDbAsync(db => db.ApiKeys.Where(k => k.Name == "temporary" && k.Prefix == key.Substring(0, 12)).Select(k => k.ExpiresAt).SingleAsync());
        Assert.InRange(expires!.Value, DateTime.UtcNow.AddDays(7).AddMinutes(-5), DateTime.UtcNow.AddDays(7).AddMinutes(5));

        await factory.WithDbAsync(db => db.ApiKeys.Where(k => k.Prefix == key.Substring(0, 12))
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.ExpiresAt, DateTime.UtcNow.AddSeconds(-1))));

        var response = await api.GetAsync("/api/v1/domains");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString());
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("expired", problem.GetProperty("detail").GetString());
        var (_, page) = await tenant.Browser.GetAsync("/api-keys");
        Assert.Contains("expired", page.QuerySelectorAll("[data-testid=key-state]").Select(e => e.TextContent.Trim()));
    }

    [Fact]
    public async Task Revoked_key_gets_401()
    {
        var tenant = await Tenant.CreateAsync(factory, "Revoking Co");
        var (key, api) = await CreateKeyAsync(tenant, "to-revoke", "ReadOnly", 0);
        var id = await factory.WithDbAsync(db => db.ApiKeys.Where(k => k.Prefix == key.Substring(0, 12)).Select(k => k.Id).SingleAsync());

        using (var services = factory.Services.CreateScope())
        {
            Assert.True(await services.ServiceProvider.GetRequiredService<ApiKeyService>().RevokeAsync(tenant.OrganizationId, id));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/v1/domains")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_describes_scopes_expiry_and_the_403_of_writes()
    {
        var client = factory.CreateClient();
        var document = JsonDocument.Parse(await client.GetStringAsync("/api/v1/openapi.json")).RootElement;

        Assert.Contains("read-only key may only send GET", document.GetProperty("info").GetProperty("description").GetString());
        var post = document.GetProperty("paths").GetProperty("/api/v1/domains").GetProperty("post");
        Assert.Contains("read-only", post.GetProperty("responses").GetProperty("403").GetProperty("description").GetString());
        Assert.Contains("expired", post.GetProperty("responses").GetProperty("401").GetProperty("description").GetString());
        var get = document.GetProperty("paths").GetProperty("/api/v1/domains").GetProperty("get");
        Assert.False(get.GetProperty("responses").TryGetProperty("403", out _));
    }
}

public sealed class SqliteApiKeyScopeTests(SqlitePortalFactory factory) : ApiKeyScopeTests<SqlitePortalFactory>(factory);

public sealed class PostgresApiKeyScopeTests(PostgresPortalFactory factory) : ApiKeyScopeTests<PostgresPortalFactory>(factory);
