using System.Net;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Web.Data;

namespace Speedera.Tests.Integration.Portal;

/// <summary>Staff role changes on /admin/users: confirmation, the last Admin, and sessions that lose access at once.</summary>
public abstract class AdminRoleTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    private const string StaffPassword = "Staff-Passw0rd-77";

    [Fact]
    public async Task Revoking_a_role_asks_for_confirmation_before_changing_anything()
    {
        var admin = await SignedInAdminAsync();
        var (staffId, staffEmail) = await CreateStaffAsync(Roles.Noc);

        var (response, page) = await admin.SubmitFormAsync("/admin/users", $"role-{staffId}-{Roles.Noc}", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var confirm = page.QuerySelector("[data-testid=confirm-role-removal]");
        Assert.NotNull(confirm);
        Assert.Contains(staffEmail, confirm.TextContent);
        Assert.True(await IsInRoleAsync(staffId, Roles.Noc), "the role was removed without confirmation");

        var (confirmed, confirmedPage) = await admin.SubmitFormOnPageAsync(page, "/admin/users", "confirm-role-removal", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        Assert.False(await IsInRoleAsync(staffId, Roles.Noc));
        var (_, after) = await admin.GetAsync(PortalClient.LocalPart(confirmed.Headers.Location!.ToString()));
        Assert.Contains($"{Roles.Noc} revoked from {staffEmail}", after.QuerySelector(".alert-success")!.TextContent);
    }

    [Fact]
    public async Task Revoked_role_ends_the_signed_in_session_access_at_once()
    {
        var admin = await SignedInAdminAsync();
        var (staffId, staffEmail) = await CreateStaffAsync(Roles.Noc);
        var staff = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await staff.LogInAsync(staffEmail, StaffPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/noc/network")).Response.StatusCode);

        await RevokeThroughPageAsync(admin, staffId, Roles.Noc);
        Assert.False(await IsInRoleAsync(staffId, Roles.Noc));

        var (afterRevoke, _) = await staff.GetAsync("/noc/network");
        Assert.Equal(HttpStatusCode.Redirect, afterRevoke.StatusCode);
        Assert.Contains("/Account/Login", afterRevoke.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Granted_role_reaches_the_signed_in_session_without_a_new_login()
    {
        var admin = await SignedInAdminAsync();
        var (staffId, staffEmail) = await CreateStaffAsync(Roles.Finance);
        var staff = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await staff.LogInAsync(staffEmail, StaffPassword)).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await staff.GetAsync("/noc/network")).Response.StatusCode);

        var (granted, _) = await admin.SubmitFormAsync("/admin/users", $"role-{staffId}-{Roles.Noc}", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);

        // The old cookie no longer matches the account's security stamp: the member signs in again and gets the new role.
        var (afterGrant, _) = await staff.GetAsync("/noc/network");
        Assert.Equal(HttpStatusCode.Redirect, afterGrant.StatusCode);
        Assert.Contains("/Account/Login", afterGrant.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await staff.LogInAsync(staffEmail, StaffPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/noc/network")).Response.StatusCode);
    }

    [Fact]
    public async Task Adding_a_staff_member_redirects_and_mails_a_link_to_choose_a_password()
    {
        var admin = await SignedInAdminAsync();
        var email = $"new-staff-{Guid.NewGuid():N}@speedera.test";

        var (added, _) = await admin.SubmitFormAsync("/admin/users", "add-staff", new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Role"] = Roles.Finance });

        Assert.Equal(HttpStatusCode.Redirect, added.StatusCode);
        var (_, page) = await admin.GetAsync(PortalClient.LocalPart(added.Headers.Location!.ToString()));
        Assert.Contains($"{email} added as {Roles.Finance}", page.QuerySelector(".alert-success")!.TextContent);
        var id = await factory.WithDbAsync(db => Task.FromResult(db.Users.Single(u => u.Email == email).Id));
        Assert.True(await IsInRoleAsync(id, Roles.Finance));
        Assert.StartsWith("http", await admin.WaitForMailLinkAsync(email, "Reset your Speedera password"));
    }

    private async Task<PortalClient> SignedInAdminAsync()
    {
        var admin = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await admin.LogInAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        return admin;
    }

    private async Task<(string Id, string Email)> CreateStaffAsync(string role)
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var email = $"staff-{Guid.NewGuid():N}@speedera.test";
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = DateTime.UtcNow };
        Assert.True((await users.CreateAsync(user, StaffPassword)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        return (user.Id, email);
    }

    private async Task<bool> IsInRoleAsync(string userId, string role)
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await users.IsInRoleAsync((await users.FindByIdAsync(userId))!, role);
    }

    /// <summary>Presses "Revoke" and, where the page asks for it, confirms.</summary>
    internal static async Task<IHtmlDocument> RevokeThroughPageAsync(PortalClient admin, string userId, string role)
    {
        var (_, page) = await admin.SubmitFormAsync("/admin/users", $"role-{userId}-{role}", new Dictionary<string, string>());
        if (page.QuerySelector("[data-testid=confirm-role-removal]") is null)
        {
            return page;
        }

        return (await admin.SubmitFormOnPageAsync(page, "/admin/users", "confirm-role-removal", new Dictionary<string, string>())).Document;
    }
}

public sealed class SqliteAdminRoleTests(SqlitePortalFactory factory) : AdminRoleTests<SqlitePortalFactory>(factory);

public sealed class PostgresAdminRoleTests(PostgresPortalFactory factory) : AdminRoleTests<PostgresPortalFactory>(factory);

/// <summary>The seeded Admin is the only one: the portal must not let it lock everyone out.</summary>
public abstract class LastAdminTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Fact]
    public async Task Last_admin_cannot_revoke_their_own_admin_role()
    {
        var admin = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await admin.LogInAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        var adminId = await factory.WithDbAsync(db => Task.FromResult(db.Users.Single(u => u.Email == PortalFactory.AdminEmail).Id));

        var (response, page) = await admin.SubmitFormAsync("/admin/users", $"role-{adminId}-{Roles.Admin}", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("last Admin", page.QuerySelector(".alert-error")?.TextContent ?? "(no error shown)");
        Assert.Null(page.QuerySelector("[data-testid=confirm-role-removal]"));

        // A hand-made confirmation is refused the same way.
        var token = ((IHtmlInputElement)page.QuerySelector("input[name=__RequestVerificationToken]")!).Value;
        var forged = await admin.PostRawAsync("/admin/users", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "confirm-role-removal",
            ["Removal.UserId"] = adminId,
            ["Removal.Role"] = Roles.Admin,
        });
        Assert.NotEqual(HttpStatusCode.InternalServerError, forged.StatusCode);

        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.True(await users.IsInRoleAsync((await users.FindByIdAsync(adminId))!, Roles.Admin));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/users")).Response.StatusCode);
    }
}

public sealed class SqliteLastAdminTests(SqlitePortalFactory factory) : LastAdminTests<SqlitePortalFactory>(factory);

public sealed class PostgresLastAdminTests(PostgresPortalFactory factory) : LastAdminTests<PostgresPortalFactory>(factory);
