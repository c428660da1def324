using System.Net;
using Bunit;
using MudBlazor;
using Speedera.Tests.Support;
using UsersComponent = Speedera.Web.Features.Admin.Users;
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
        var (staffId, staffEmail) = await CreateStaffAsync(Roles.Noc);
        await using var page = await UsersPageAsync();

        await page.ClickAsync($"role-{staffId}-{Roles.Noc}", staffEmail);

        page.Dialogs.WaitForAssertion(() => Assert.Contains($"Revoke {Roles.Noc} from {staffEmail}?", page.Dialogs.Find(".mud-dialog").TextContent));
        Assert.True(await IsInRoleAsync(staffId, Roles.Noc), "the role was removed without confirmation");

        await page.Dialogs.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await Eventually.TrueAsync(async () => !await IsInRoleAsync(staffId, Roles.Noc), "role still there after confirming");
        page.Snackbars.WaitForAssertion(() => Assert.Contains($"{Roles.Noc} revoked from {staffEmail}", page.Snackbars.Markup));
    }

    [Fact]
    public async Task Cancelling_the_confirmation_keeps_the_role()
    {
        var (staffId, staffEmail) = await CreateStaffAsync(Roles.Finance);
        await using var page = await UsersPageAsync();

        await page.ClickAsync($"role-{staffId}-{Roles.Finance}", staffEmail);
        page.Dialogs.WaitForAssertion(() => page.Dialogs.Find("[data-testid=confirm-cancel]"));
        await page.Dialogs.Find("[data-testid=confirm-cancel]").ClickAsync(new());

        page.Dialogs.WaitForAssertion(() => Assert.Empty(page.Dialogs.FindAll("[data-testid=confirm-message]")));
        Assert.True(await IsInRoleAsync(staffId, Roles.Finance));
    }

    [Fact]
    public async Task Revoked_role_ends_the_signed_in_session_access_at_once()
    {
        var (staffId, staffEmail) = await CreateStaffAsync(Roles.Noc);
        var staff = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await staff.LogInAsync(staffEmail, StaffPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/noc/network")).Response.StatusCode);

        await using (var page = await UsersPageAsync())
        {
            await page.ClickAsync($"role-{staffId}-{Roles.Noc}", staffEmail);
            page.Dialogs.WaitForAssertion(() => page.Dialogs.Find("[data-testid=confirm-ok]"));
            await page.Dialogs.Find("[data-testid=confirm-ok]").ClickAsync(new());
            // The page is done (role removed and security stamp rotated) once it says so.
            page.Snackbars.WaitForAssertion(() => Assert.Contains($"{Roles.Noc} revoked from {staffEmail}", page.Snackbars.Markup), TimeSpan.FromSeconds(10));
        }

        var (afterRevoke, _) = await staff.GetAsync("/noc/network");
        Assert.Equal(HttpStatusCode.Redirect, afterRevoke.StatusCode);
        Assert.Contains("/Account/Login", afterRevoke.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Granted_role_reaches_the_signed_in_session_without_a_new_login()
    {
        var (staffId, staffEmail) = await CreateStaffAsync(Roles.Finance);
        var staff = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await staff.LogInAsync(staffEmail, StaffPassword)).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await staff.GetAsync("/noc/network")).Response.StatusCode);

        await using (var page = await UsersPageAsync())
        {
            await page.ClickAsync($"role-{staffId}-{Roles.Noc}", staffEmail);
            await Eventually.TrueAsync(() => IsInRoleAsync(staffId, Roles.Noc), "the role was not granted");
            page.Snackbars.WaitForAssertion(() => Assert.Contains($"{Roles.Noc} granted to {staffEmail}", page.Snackbars.Markup));
        }

        // The old cookie no longer matches the account's security stamp: the member signs in again and gets the new role.
        var (afterGrant, _) = await staff.GetAsync("/noc/network");
        Assert.Equal(HttpStatusCode.Redirect, afterGrant.StatusCode);
        Assert.Contains("/Account/Login", afterGrant.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await staff.LogInAsync(staffEmail, StaffPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/noc/network")).Response.StatusCode);
    }

    [Fact]
    public async Task Adding_a_staff_member_mails_a_link_to_choose_a_password()
    {
        var email = $"new-staff-{Guid.NewGuid():N}@speedera.test";
        await using var page = await UsersPageAsync();

        page.EmailInput.Change(email);
        await page.Page.Find("form").SubmitAsync();

        page.Snackbars.WaitForAssertion(() => Assert.Contains($"{email} added as {Roles.Noc}", page.Snackbars.Markup), TimeSpan.FromSeconds(10));
        var id = await factory.WithDbAsync(db => Task.FromResult(db.Users.Single(u => u.Email == email).Id));
        Assert.True(await IsInRoleAsync(id, Roles.Noc));
        Assert.StartsWith("http", await factory.CreatePortalClient().WaitForMailLinkAsync(email, "Reset your Speedera password"));
    }

    [Fact]
    public async Task Adding_a_staff_member_without_a_valid_address_shows_the_field_message()
    {
        await using var page = await UsersPageAsync();

        page.EmailInput.Change("not-an-address");
        await page.Page.Find("form").SubmitAsync();

        page.Page.WaitForAssertion(() => Assert.Contains("Enter a valid e-mail address.", page.EmailInput.Closest(".mud-input-control")!.TextContent));
        Assert.Equal(0, await factory.WithDbAsync(db => Task.FromResult(db.Users.Count(u => u.Email == "not-an-address"))));
    }

    private async Task<UsersPage> UsersPageAsync()
    {
        var context = new PortalPageContext(factory);
        await context.SignInAsAsync(PortalFactory.AdminEmail);
        return new UsersPage(context);
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
        var adminId = await factory.WithDbAsync(db => Task.FromResult(db.Users.Single(u => u.Email == PortalFactory.AdminEmail).Id));
        var context = new PortalPageContext(factory);
        await context.SignInAsAsync(PortalFactory.AdminEmail);
        await using var page = new UsersPage(context);

        await page.ClickAsync($"role-{adminId}-{Roles.Admin}", PortalFactory.AdminEmail);

        page.Snackbars.WaitForAssertion(() => Assert.Contains("last Admin", page.Snackbars.Markup));
        Assert.Empty(page.Dialogs.FindAll("[data-testid=confirm-message]"));

        // Going round the page to the service is refused the same way.
        using var scope = factory.Services.CreateScope();
        var refused = await scope.ServiceProvider.GetRequiredService<Speedera.Web.Features.Admin.StaffRoleService>().RevokeAsync(adminId, Roles.Admin);
        Assert.False(refused.Succeeded);
        Assert.Contains("last Admin", refused.Message);

        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        Assert.True(await users.IsInRoleAsync((await users.FindByIdAsync(adminId))!, Roles.Admin));
    }
}

public sealed class SqliteLastAdminTests(SqlitePortalFactory factory) : LastAdminTests<SqlitePortalFactory>(factory);

public sealed class PostgresLastAdminTests(PostgresPortalFactory factory) : LastAdminTests<PostgresPortalFactory>(factory);

/// <summary>The admin's Users page with the dialog and snackbar providers a circuit's layout has.</summary>
internal sealed class UsersPage : IAsyncDisposable
{
    private readonly PortalPageContext context;

    public UsersPage(PortalPageContext context)
    {
        this.context = context;
        Dialogs = context.Render<MudDialogProvider>();
        Snackbars = context.Render<MudSnackbarProvider>();
        Page = context.Render<UsersComponent>();
    }

    public IRenderedComponent<MudDialogProvider> Dialogs { get; }

    public IRenderedComponent<MudSnackbarProvider> Snackbars { get; }

    public IRenderedComponent<UsersComponent> Page { get; }

    public AngleSharp.Dom.IElement EmailInput => Page.Find("input[data-testid=staff-email], [data-testid=staff-email] input");

    /// <summary>The last button's handler, still running while a dialog waits.</summary>
    public Task LastClick { get; private set; } = Task.CompletedTask;

    /// <summary>
    /// Finds the user's row through the grid's search (the list is paged) and presses one of its buttons,
    /// without waiting for the handler: it may be waiting for an answer in the confirmation dialog.
    /// </summary>
    public Task ClickAsync(string testId, string email)
    {
        Page.WaitForAssertion(() => Page.Find("[data-testid=user-table] tbody tr"), TimeSpan.FromSeconds(10));
        Page.Find("[data-testid=user-table] input").Input(email);
        Page.WaitForAssertion(() => Page.Find($"[data-testid='{testId}']"), TimeSpan.FromSeconds(10));
        LastClick = Page.Find($"[data-testid='{testId}']").ClickAsync(new());
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
