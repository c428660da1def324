using System.Net;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Organizations;

namespace Speedera.Tests.Integration.Portal;

/// <summary>Organization members: invitations (accept, expiry, reuse), roles gating pages, the last owner, removal.</summary>
public abstract class OrganizationTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    private const string Password = "Member-Passw0rd-42";

    private static string NewEmail(string who) => $"{who}-{Guid.NewGuid():N}@example.test";

    private async Task<(Guid OrgId, string UserId)> OrgOfAsync(string email) =>
        await factory.WithDbAsync(async db =>
        {
            var user = await db.Users.SingleAsync(u => u.Email == email);
            return (user.OrganizationId!.Value, user.Id);
        });

    private async Task<string> InviteAsync(Tenant owner, string email, OrganizationRole role)
    {
        var (org, _) = await OrgOfAsync(owner.Email);
        using var scope = factory.Services.CreateScope();
        var (result, _) = await scope.ServiceProvider.GetRequiredService<OrganizationService>()
            .InviteAsync(org, email, role, owner.Email, new Uri("http://localhost/"));
        Assert.True(result.Succeeded, result.Error);
        return PortalClient.LocalPart(await owner.Browser.WaitForMailLinkAsync(email, "on Speedera"));
    }

    private async Task<PortalClient> SignUpThroughAsync(string link)
    {
        var browser = factory.CreatePortalClient();
        var (response, page) = await browser.SubmitFormAsync(link, "accept-signup", new Dictionary<string, string>
        {
            ["Input.Password"] = Password,
            ["Input.ConfirmPassword"] = Password,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, page.Body?.TextContent);
        return browser;
    }

    private static async Task AssertDeniedAsync(PortalClient browser, string path)
    {
        var (response, _) = await browser.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/AccessDenied", response.Headers.Location!.ToString());
    }

    private static async Task AssertAllowedAsync(PortalClient browser, string path)
    {
        var (response, _) = await browser.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Invited_member_signs_up_through_the_link_and_sees_the_organizations_domains()
    {
        var owner = await Tenant.CreateAsync(factory, "Invite Co");
        await owner.PostJsonAsync("/api/v1/domains", new { name = $"inv{Guid.NewGuid():N}"[..12], gtm = true }, HttpStatusCode.Created);
        var domainName = (await owner.GetJsonAsync("/api/v1/domains"))[0].GetProperty("name").GetString()!;
        var email = NewEmail("tech");

        var link = await InviteAsync(owner, email, OrganizationRole.Technical);
        var (_, invitePage) = await factory.CreatePortalClient().GetAsync(link);
        Assert.Contains("Invite Co", invitePage.QuerySelector("h1")!.TextContent);
        Assert.Contains(email, invitePage.Body!.TextContent);

        var member = await SignUpThroughAsync(link);

        // The domain list fills its grid once the circuit is up; the domain's own page is rendered on the server.
        var (domains, _) = await member.GetAsync("/domains");
        Assert.Equal(HttpStatusCode.OK, domains.StatusCode);
        var domainId = (await owner.GetJsonAsync("/api/v1/domains"))[0].GetProperty("id").GetGuid();
        var (details, page) = await member.GetAsync($"/domains/{domainId}");
        Assert.Equal(HttpStatusCode.OK, details.StatusCode);
        Assert.Contains(domainName, page.QuerySelector("[data-testid=domain-name]")?.TextContent ?? "(no domain shown)");
        var (memberOrg, _) = await OrgOfAsync(email);
        Assert.Equal((await OrgOfAsync(owner.Email)).OrgId, memberOrg);
        Assert.Equal(OrganizationRole.Technical, await factory.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.OrganizationRole).SingleAsync()));
    }

    [Fact]
    public async Task An_invitation_link_works_only_once()
    {
        var owner = await Tenant.CreateAsync(factory, "Once Only");
        var link = await InviteAsync(owner, NewEmail("once"), OrganizationRole.Technical);
        await SignUpThroughAsync(link);

        var stranger = factory.CreatePortalClient();
        var (_, page) = await stranger.GetAsync(link);
        Assert.Contains("already been used", page.QuerySelector("[data-testid=invitation-invalid]")!.TextContent);
        Assert.Null(page.QuerySelector("[data-testid=accept-invitation] form"));
    }

    [Fact]
    public async Task An_expired_invitation_is_refused_and_creates_no_account()
    {
        var owner = await Tenant.CreateAsync(factory, "Late Comers");
        var email = NewEmail("late");
        var link = await InviteAsync(owner, email, OrganizationRole.Technical);
        var browser = factory.CreatePortalClient();
        var (_, fresh) = await browser.GetAsync(link);
        Assert.NotNull(fresh.QuerySelector("input[name=_handler][value=accept-signup]"));

        await factory.WithDbAsync(db => db.OrganizationInvitations.Where(i => i.Email == email)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.ExpiresAt, DateTime.UtcNow.AddMinutes(-1))));

        var (response, page) = await browser.SubmitFormOnPageAsync(fresh, link, "accept-signup", new Dictionary<string, string>
        {
            ["Input.Password"] = Password,
            ["Input.ConfirmPassword"] = Password,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("expired", page.Body!.TextContent);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task Existing_account_signs_in_to_accept_and_joins_as_billing_with_invoices_only()
    {
        var owner = await Tenant.CreateAsync(factory, "Big Shop");
        var other = await Tenant.CreateAsync(factory, "Solo Shop");
        var link = await InviteAsync(owner, other.Email, OrganizationRole.Billing);

        var (accepted, page) = await other.Browser.SubmitFormAsync(link, "accept-invitation", new Dictionary<string, string>());
        Assert.True(accepted.StatusCode == HttpStatusCode.Redirect, page.Body?.TextContent);
        Assert.EndsWith("/invoices", accepted.Headers.Location!.ToString());

        Assert.Equal((await OrgOfAsync(owner.Email)).OrgId, (await OrgOfAsync(other.Email)).OrgId);
        await AssertAllowedAsync(other.Browser, "/invoices");
        await AssertDeniedAsync(other.Browser, "/domains");
        await AssertDeniedAsync(other.Browser, "/api-keys");
        await AssertDeniedAsync(other.Browser, "/organization/members");
        var (_, overview) = await other.Browser.GetAsync("/invoices");
        var nav = overview.QuerySelector("[data-testid=nav]")!.InnerHtml;
        Assert.Contains("href=\"invoices\"", nav);
        Assert.DoesNotContain("href=\"domains\"", nav);
    }

    [Fact]
    public async Task Invitation_for_another_address_cannot_be_accepted_by_a_signed_in_user()
    {
        var owner = await Tenant.CreateAsync(factory, "Right Person");
        var intruder = await Tenant.CreateAsync(factory, "Wrong Person");
        var link = await InviteAsync(owner, NewEmail("intended"), OrganizationRole.Owner);

        var (response, page) = await intruder.Browser.SubmitFormAsync(link, "accept-invitation", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Sign in with that address", page.Body!.TextContent);
        Assert.NotEqual((await OrgOfAsync(owner.Email)).OrgId, (await OrgOfAsync(intruder.Email)).OrgId);
    }

    [Fact]
    public async Task Technical_member_manages_domains_and_keys_but_not_members_or_invoices()
    {
        var owner = await Tenant.CreateAsync(factory, "Roles Inc");
        var tech = await SignUpThroughAsync(await InviteAsync(owner, NewEmail("tech"), OrganizationRole.Technical));

        await AssertAllowedAsync(tech, "/domains");
        await AssertAllowedAsync(tech, "/api-keys");
        await AssertDeniedAsync(tech, "/organization/members");
        await AssertDeniedAsync(tech, "/invoices");
        await AssertAllowedAsync(owner.Browser, "/organization/members");
        await AssertAllowedAsync(owner.Browser, "/invoices");
    }

    [Fact]
    public async Task The_last_owner_cannot_be_demoted_or_removed_until_another_owner_exists()
    {
        var owner = await Tenant.CreateAsync(factory, "Owners Ltd");
        var (org, ownerId) = await OrgOfAsync(owner.Email);
        var secondEmail = NewEmail("second");
        await SignUpThroughAsync(await InviteAsync(owner, secondEmail, OrganizationRole.Technical));
        var (_, secondId) = await OrgOfAsync(secondEmail);

        using var scope = factory.Services.CreateScope();
        var organizations = scope.ServiceProvider.GetRequiredService<OrganizationService>();
        var demote = await organizations.ChangeRoleAsync(org, ownerId, OrganizationRole.Technical);
        Assert.False(demote.Succeeded);
        Assert.Contains("last owner", demote.Error);
        Assert.False((await organizations.RemoveAsync(org, ownerId)).Succeeded);

        Assert.True((await organizations.ChangeRoleAsync(org, secondId, OrganizationRole.Owner)).Succeeded);
        Assert.True((await organizations.ChangeRoleAsync(org, ownerId, OrganizationRole.Billing)).Succeeded);
        Assert.False((await organizations.ChangeRoleAsync(org, secondId, OrganizationRole.Technical)).Succeeded);
        var members = await organizations.MembersAsync(org);
        Assert.Equal([OrganizationRole.Owner], members.Where(m => m.UserId == secondId).Select(m => m.Role));
    }

    [Fact]
    public async Task A_removed_member_loses_the_organization_at_the_next_request()
    {
        var owner = await Tenant.CreateAsync(factory, "Leavers");
        var email = NewEmail("leaver");
        var member = await SignUpThroughAsync(await InviteAsync(owner, email, OrganizationRole.Technical));
        await AssertAllowedAsync(member, "/domains");
        var (org, userId) = await OrgOfAsync(email);

        using (var scope = factory.Services.CreateScope())
        {
            Assert.True((await scope.ServiceProvider.GetRequiredService<OrganizationService>().RemoveAsync(org, userId)).Succeeded);
        }

        var (response, _) = await member.GetAsync("/domains");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location!.ToString());
        Assert.Null(await factory.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.OrganizationId).SingleAsync()));
    }

    [Fact]
    public async Task A_role_change_applies_at_the_next_request_and_ends_the_open_circuits_authentication()
    {
        var owner = await Tenant.CreateAsync(factory, "Circuit Co");
        var email = NewEmail("circuit");
        var member = await SignUpThroughAsync(await InviteAsync(owner, email, OrganizationRole.Technical));
        var (org, userId) = await OrgOfAsync(email);

        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ApplicationUser>>();
        var provider = (IdentityRevalidatingAuthenticationStateProvider)scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>();
        var circuitPrincipal = await signIn.CreateUserPrincipalAsync((await users.FindByIdAsync(userId))!);
        Assert.Equal(OrganizationRole.Technical, circuitPrincipal.OrganizationRole());
        Assert.True(await provider.IsStillValidAsync(circuitPrincipal));

        Assert.True((await scope.ServiceProvider.GetRequiredService<OrganizationService>().ChangeRoleAsync(org, userId, OrganizationRole.Billing)).Succeeded);

        Assert.False(await provider.IsStillValidAsync(circuitPrincipal));
        await AssertDeniedAsync(member, "/domains");
        await AssertAllowedAsync(member, "/invoices");
    }

    [Fact]
    public async Task Existing_customers_are_owners_of_their_organization()
    {
        var owner = await Tenant.CreateAsync(factory, "Founders");

        Assert.Equal(OrganizationRole.Owner, await factory.WithDbAsync(db => db.Users.Where(u => u.Email == owner.Email).Select(u => u.OrganizationRole).SingleAsync()));
    }
}

public sealed class SqliteOrganizationTests(SqlitePortalFactory factory) : OrganizationTests<SqlitePortalFactory>(factory);

public sealed class PostgresOrganizationTests(PostgresPortalFactory factory) : OrganizationTests<PostgresPortalFactory>(factory);
