using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Web.Data;
using Speedera.Web.Features.Api;

namespace Speedera.Tests.Integration.Portal;

/// <summary>Organization members through the REST API: the Members page's service, keyed, tenant-isolated, owner keys only for changes.</summary>
public abstract class MembersApiTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Fact]
    public async Task Owner_key_lists_members_invites_by_mail_and_withdraws_the_invitation()
    {
        var tenant = await Tenant.CreateAsync(factory, "Api Members Co");

        var members = await tenant.GetJsonAsync("/api/v1/organization/members");
        var me = Assert.Single(members.EnumerateArray());
        Assert.Equal(tenant.Email, me.GetProperty("email").GetString());
        Assert.Equal("owner", me.GetProperty("role").GetString());

        var invitee = $"api-invitee-{Guid.NewGuid():N}@example.test";
        var invitation = await tenant.PostJsonAsync("/api/v1/organization/invitations", new { email = invitee, role = "billing" }, HttpStatusCode.Created);
        Assert.Equal(invitee, invitation.GetProperty("email").GetString());
        Assert.Equal("billing", invitation.GetProperty("role").GetString());
        Assert.Contains("/Account/AcceptInvitation?token=inv_", await tenant.Browser.WaitForMailLinkAsync(invitee, "Join Api Members Co"));
        var pending = await tenant.GetJsonAsync("/api/v1/organization/invitations");
        Assert.Equal(invitation.GetProperty("id").GetGuid(), Assert.Single(pending.EnumerateArray()).GetProperty("id").GetGuid());

        var again = await tenant.Api.PostAsJsonAsync("/api/v1/organization/invitations", new { email = "not an address", role = "technical" });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("valid e-mail", await again.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Api.DeleteAsync($"/api/v1/organization/invitations/{invitation.GetProperty("id").GetGuid()}")).StatusCode);
        Assert.Empty((await tenant.GetJsonAsync("/api/v1/organization/invitations")).EnumerateArray());
    }

    [Fact]
    public async Task Owner_key_removes_a_member_whose_sessions_end_and_the_last_owner_stays()
    {
        var tenant = await Tenant.CreateAsync(factory, "Api Removal Co");
        var (memberId, memberEmail, password) = await AddMemberAsync(tenant, OrganizationRole.Technical);
        var member = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await member.LogInAsync(memberEmail, password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync("/domains")).Response.StatusCode);
        Assert.Equal(2, (await tenant.GetJsonAsync("/api/v1/organization/members")).GetArrayLength());

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Api.DeleteAsync($"/api/v1/organization/members/{memberId}")).StatusCode);

        Assert.Equal(tenant.Email, Assert.Single((await tenant.GetJsonAsync("/api/v1/organization/members")).EnumerateArray()).GetProperty("email").GetString());
        Assert.Null(await factory.WithDbAsync(db => db.Users.Where(u => u.Id == memberId).Select(u => u.OrganizationId).SingleAsync()));
        Assert.Equal(HttpStatusCode.Redirect, (await member.GetAsync("/domains")).Response.StatusCode);

        var ownerId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == tenant.Email).Select(u => u.Id).SingleAsync());
        var last = await tenant.Api.DeleteAsync($"/api/v1/organization/members/{ownerId}");
        Assert.Equal(HttpStatusCode.Conflict, last.StatusCode);
        Assert.Contains("last owner", await last.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Another_organizations_members_and_invitations_are_404_and_never_listed()
    {
        var owner = await Tenant.CreateAsync(factory, "Members Owner Co");
        var intruder = await Tenant.CreateAsync(factory, "Members Intruder Co");
        var (memberId, memberEmail, _) = await AddMemberAsync(owner, OrganizationRole.Billing);
        var invitation = await owner.PostJsonAsync("/api/v1/organization/invitations", new { email = $"x-{Guid.NewGuid():N}@example.test", role = "technical" }, HttpStatusCode.Created);
        var ownerId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == owner.Email).Select(u => u.Id).SingleAsync());

        var listed = (await intruder.GetJsonAsync("/api/v1/organization/members")).GetRawText();
        Assert.DoesNotContain(memberEmail, listed);
        Assert.DoesNotContain(owner.Email, listed);
        Assert.DoesNotContain(invitation.GetProperty("email").GetString()!, (await intruder.GetJsonAsync("/api/v1/organization/invitations")).GetRawText());

        foreach (var id in new[] { memberId, ownerId })
        {
            var response = await intruder.Api.DeleteAsync($"/api/v1/organization/members/{id}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await intruder.Api.DeleteAsync($"/api/v1/organization/invitations/{invitation.GetProperty("id").GetGuid()}")).StatusCode);
        Assert.Equal(3, await factory.WithDbAsync(db => db.Users.CountAsync(u => u.Id == memberId || u.Id == ownerId || u.Email == intruder.Email)));
        Assert.Equal(2, (await owner.GetJsonAsync("/api/v1/organization/members")).GetArrayLength());
        Assert.Single((await owner.GetJsonAsync("/api/v1/organization/invitations")).EnumerateArray());
    }

    [Fact]
    public async Task Keys_of_technical_members_and_read_only_keys_may_list_but_not_change_members()
    {
        var tenant = await Tenant.CreateAsync(factory, "Member Gate Co");
        var (_, technicalEmail, _) = await AddMemberAsync(tenant, OrganizationRole.Technical);
        using var technical = await KeyClientAsync(tenant.OrganizationId, technicalEmail, ApiKeyScope.Full);
        using var readOnly = await KeyClientAsync(tenant.OrganizationId, tenant.Email, ApiKeyScope.ReadOnly);
        var ownerId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == tenant.Email).Select(u => u.Id).SingleAsync());

        foreach (var api in new[] { technical, readOnly })
        {
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/v1/organization/members")).StatusCode);
            var invite = await api.PostAsJsonAsync("/api/v1/organization/invitations", new { email = $"y-{Guid.NewGuid():N}@example.test", role = "owner" });
            Assert.Equal(HttpStatusCode.Forbidden, invite.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await api.DeleteAsync($"/api/v1/organization/members/{ownerId}")).StatusCode);
        }

        var problem = JsonDocument.Parse(await (await technical.PostAsJsonAsync("/api/v1/organization/invitations", new { email = "z@example.test" })).Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("created by an owner", problem.GetProperty("detail").GetString());
        Assert.Empty((await tenant.GetJsonAsync("/api/v1/organization/invitations")).EnumerateArray());
        Assert.Equal(2, (await tenant.GetJsonAsync("/api/v1/organization/members")).GetArrayLength());
    }

    [Fact]
    public async Task OpenApi_document_lists_the_member_operations()
    {
        var document = JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/api/v1/openapi.json")).RootElement;
        var paths = document.GetProperty("paths");

        Assert.True(paths.GetProperty("/api/v1/organization/members").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/v1/organization/invitations").TryGetProperty("post", out var invite));
        Assert.True(invite.GetProperty("responses").TryGetProperty("201", out _));
        var remove = paths.GetProperty("/api/v1/organization/members/{id}").GetProperty("delete");
        Assert.True(remove.GetProperty("responses").TryGetProperty("404", out _));
        Assert.True(remove.GetProperty("responses").TryGetProperty("403", out _));
    }

    private async Task<(string Id, string Email, string Password)> AddMemberAsync(Tenant tenant, OrganizationRole role)
    {
        const string password = "Member-Passw0rd-9";
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var email = $"member-{Guid.NewGuid():N}@example.test";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, OrganizationId = tenant.OrganizationId, OrganizationRole = role, CreatedAt = DateTime.UtcNow };
        Assert.True((await users.CreateAsync(user, password)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, Roles.Customer)).Succeeded);
        return (user.Id, email, password);
    }

    private async Task<HttpClient> KeyClientAsync(Guid organization, string author, ApiKeyScope scope)
    {
        using var services = factory.Services.CreateScope();
        var key = (await services.ServiceProvider.GetRequiredService<ApiKeyService>().IssueAsync(organization, "gate " + scope, author, scope))!.Key;
        var api = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return api;
    }
}

public sealed class SqliteMembersApiTests(SqlitePortalFactory factory) : MembersApiTests<SqlitePortalFactory>(factory);

public sealed class PostgresMembersApiTests(PostgresPortalFactory factory) : MembersApiTests<PostgresPortalFactory>(factory);
