using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Speedera.Tests.Integration.Portal;

/// <summary>A signed-up, confirmed, logged-in customer organization with an API client of its own.</summary>
public sealed class Tenant
{
    private Tenant(PortalClient browser, HttpClient api, string email, string organization, Guid organizationId)
    {
        OrganizationId = organizationId;
        Browser = browser;
        Api = api;
        Email = email;
        Organization = organization;
    }

    public PortalClient Browser { get; }

    /// <summary>Sends the organization's API key.</summary>
    public HttpClient Api { get; }

    public string Email { get; }

    public string Organization { get; }

    public Guid OrganizationId { get; }

    public static async Task<Tenant> CreateAsync(PortalFactory factory, string organization)
    {
        var browser = factory.CreatePortalClient();
        var email = $"tenant-{Guid.NewGuid():N}@example.test";
        const string password = "Correct-Horse-42";
        await browser.SignUpAsync(organization, email, password);
        await browser.GetAsync(PortalClient.LocalPart(await browser.WaitForMailLinkAsync(email, "Confirm your Speedera account")));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.LogInAsync(email, password)).StatusCode);

        // The API keys page is interactive (tested with bUnit in ApiKeysPageTests); tenants get their key from the same service.
        var organizationId = await factory.WithDbAsync(db => Task.FromResult(db.Users.Single(u => u.Email == email).OrganizationId!.Value));
        string key;
        using (var scope = factory.Services.CreateScope())
        {
            key = (await scope.ServiceProvider.GetRequiredService<Speedera.Web.Features.Api.ApiKeyService>().IssueAsync(organizationId, "tests", email))?.Key
                ?? throw new InvalidOperationException("no API key issued");
        }

        var api = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return new Tenant(browser, api, email, organization, organizationId);
    }

    public async Task<JsonElement> PostJsonAsync(string path, object body, HttpStatusCode expected)
    {
        var response = await Api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> PutJsonAsync(string path, object body, HttpStatusCode expected)
    {
        var response = await Api.PutAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"PUT {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetJsonAsync(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await Api.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"GET {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
