using System.Net;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Tests.Support;
using Speedera.Web.Data;
using Speedera.Web.Features.Admin;

namespace Speedera.Tests.Integration.Portal;

/// <summary>"Remove user" on /admin/users: asks first, deletes the account, ends its sessions; never oneself, the last Admin or an organization's last owner.</summary>
public abstract class AdminRemoveUserTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    private const string Password = "Removed-Passw0rd-5";

    [Fact]
    public async Task Removing_a_staff_account_asks_first_then_deletes_it_and_its_session_loses_access()
    {
        var (id, email) = await CreateUserAsync(Roles.Noc);
        var staff = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await staff.LogInAsync(email, Password)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/noc/network")).Response.StatusCode);
        await using var page = await UsersPageAsync();

        await page.ClickAsync($"remove-{id}", email);
        page.Dialogs.WaitForAssertion(() => Assert.Contains($"Remove {email}?", page.Dialogs.Find(".mud-dialog").TextContent));
        await page.Dialogs.Find("[data-testid=confirm-cancel]").ClickAsync(new());
        page.Dialogs.WaitForAssertion(() => Assert.Empty(page.Dialogs.FindAll("[data-testid=confirm-message]")));
        Assert.True(await ExistsAsync(id), "the account went without confirmation");

        await page.ClickAsync($"remove-{id}", email);
        page.Dialogs.WaitForAssertion(() => page.Dialogs.Find("[data-testid=confirm-ok]"));
        await page.Dialogs.Find("[data-testid=confirm-ok]").ClickAsync(new());

        page.Snackbars.WaitForAssertion(() => Assert.Contains($"{email} removed", page.Snackbars.Markup), TimeSpan.FromSeconds(10));
        Assert.False(await ExistsAsync(id));
        page.Page.WaitForAssertion(() => Assert.DoesNotContain(email, page.Page.Find("[data-testid=user-table] tbody").TextContent));
        var (after, _) = await staff.GetAsync("/noc/network");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/Account/Login", after.Headers.Location!.ToString());
    }

    [Fact]
    public async Task The_signed_in_admin_has_no_remove_button_and_the_service_refuses_oneself_and_the_last_owner()
    {
        var adminId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == PortalFactory.AdminEmail).Select(u => u.Id).SingleAsync());
        await using var page = await UsersPageAsync();
        page.Page.WaitForAssertion(() => page.Page.Find("[data-testid=user-table] tbody tr"));
        page.Page.Find("[data-testid=user-table] input").Input(PortalFactory.AdminEmail);
        page.Page.WaitForAssertion(() => Assert.Contains(PortalFactory.AdminEmail, page.Page.Find("[data-testid=user-table] tbody").TextContent));
        Assert.Empty(page.Page.FindAll($"[data-testid='remove-{adminId}']"));

        using var scope = factory.Services.CreateScope();
        var service = scope.ServiceProvider.GetRequiredService<StaffRoleService>();
        Assert.Contains("your own account", (await service.RemoveUserAsync(adminId, adminId)).Message);

        // An organization's only owner, while it has another member, stays.
        var owner = await Tenant.CreateAsync(factory, "Kept Owner Co");
        var ownerId = await factory.WithDbAsync(db => db.Users.Where(u => u.Email == owner.Email).Select(u => u.Id).SingleAsync());
        var (memberId, _) = await CreateUserAsync(Roles.Customer, owner.OrganizationId);
        var refused = await service.RemoveUserAsync(ownerId, adminId);
        Assert.False(refused.Succeeded);
        Assert.Contains("last owner", refused.Message);
        Assert.True(await ExistsAsync(ownerId));

        // The technical member may go.
        Assert.True((await service.RemoveUserAsync(memberId, adminId)).Succeeded);
        Assert.False(await ExistsAsync(memberId));
    }

    private async Task<UsersPage> UsersPageAsync()
    {
        var context = new PortalPageContext(factory);
        await context.SignInAsAsync(PortalFactory.AdminEmail);
        return new UsersPage(context);
    }

    private async Task<(string Id, string Email)> CreateUserAsync(string role, Guid? organization = null)
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var email = $"removable-{Guid.NewGuid():N}@speedera.test";
        var user = new ApplicationUser
        {
            UserName = email, Email = email, EmailConfirmed = true, CreatedAt = DateTime.UtcNow,
            OrganizationId = organization, OrganizationRole = organization is null ? null : OrganizationRole.Technical,
        };
        Assert.True((await users.CreateAsync(user, Password)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        return (user.Id, email);
    }

    private Task<bool> ExistsAsync(string id) => factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Id == id));
}

public sealed class SqliteAdminRemoveUserTests(SqlitePortalFactory factory) : AdminRemoveUserTests<SqlitePortalFactory>(factory);

public sealed class PostgresAdminRemoveUserTests(PostgresPortalFactory factory) : AdminRemoveUserTests<PostgresPortalFactory>(factory);
