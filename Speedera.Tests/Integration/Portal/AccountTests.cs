using System.Net;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Tests.Integration.Portal;

/// <summary>Signup, confirmation, login, lockout, reset, bad input. Runs on every database provider.</summary>
public abstract class AccountTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    private const string GoodPassword = "Correct-Horse-42";

    private static string NewEmail() => $"user-{Guid.NewGuid():N}@example.test";

    [Fact]
    public async Task Signup_confirm_login_shows_empty_overview_and_logout_ends_the_session()
    {
        var client = factory.CreatePortalClient();
        var email = NewEmail();

        var signup = await client.SignUpAsync("Acme Widgets", email, GoodPassword);
        Assert.Equal(HttpStatusCode.Redirect, signup.StatusCode);
        Assert.Contains("/Account/RegisterConfirmation", signup.Headers.Location!.ToString());

        var beforeConfirm = await client.LogInAsync(email, GoodPassword);
        Assert.Equal(HttpStatusCode.OK, beforeConfirm.StatusCode);

        var link = await client.WaitForMailLinkAsync(email, "Confirm your Speedera account");
        var (confirm, confirmPage) = await client.GetAsync(PortalClient.LocalPart(link));
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Contains("your e-mail address is confirmed", confirmPage.Body!.TextContent);

        var login = await client.LogInAsync(email, GoodPassword);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        var (overview, page) = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        Assert.Equal("Acme Widgets", page.QuerySelector("[data-testid=org-name]")?.TextContent);
        Assert.NotNull(page.QuerySelector("[data-testid=overview-empty]"));

        await client.LogOutAsync();
        var (afterLogout, _) = await client.GetAsync("/domains");
        Assert.Equal(HttpStatusCode.Redirect, afterLogout.StatusCode);
        Assert.Contains("/Account/Login", afterLogout.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Signup_creates_an_organization_and_a_customer_user()
    {
        var client = factory.CreatePortalClient();
        var email = NewEmail();
        await client.SignUpAsync("Bäckerei Müller 東京", email, GoodPassword);

        var (org, roles) = await factory.WithDbAsync(async db =>
        {
            var user = await db.Users.Include(u => u.Organization).SingleAsync(u => u.Email == email);
            var roleNames = await db.UserRoles.Where(r => r.UserId == user.Id)
                .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).ToListAsync();
            return (user.Organization!.Name, roleNames);
        });
        Assert.Equal("Bäckerei Müller 東京", org);
        Assert.Equal([Roles.Customer], roles);
    }

    [Theory]
    [InlineData("short1!A")]
    [InlineData("alllowercase-no-digit")]
    [InlineData("ALLUPPER-1234567")]
    public async Task Weak_password_is_refused_and_creates_nothing(string password)
    {
        var client = factory.CreatePortalClient();
        var email = NewEmail();
        var orgName = "Weak " + Guid.NewGuid().ToString("N")[..8];
        var (response, page) = await client.SubmitFormAsync("/Account/Register", "register", SignupFields(orgName, email, password));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("password", page.QuerySelector(".validation-summary, .alert-error")!.TextContent, StringComparison.OrdinalIgnoreCase);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
        Assert.False(await factory.WithDbAsync(db => db.Organizations.AnyAsync(o => o.Name == orgName)));
    }

    [Fact]
    public async Task Duplicate_email_is_refused_and_creates_no_second_organization()
    {
        var client = factory.CreatePortalClient();
        var email = NewEmail();
        await client.SignUpAsync("First Org", email, GoodPassword);
        var orgName = "Second " + Guid.NewGuid().ToString("N")[..8];

        var (response, page) = await client.SubmitFormAsync("/Account/Register", "register", SignupFields(orgName, email, GoodPassword));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("already taken", page.QuerySelector(".alert-error")!.TextContent);
        Assert.False(await factory.WithDbAsync(db => db.Organizations.AnyAsync(o => o.Name == orgName)));
        Assert.Equal(1, await factory.WithDbAsync(db => db.Users.CountAsync(u => u.Email == email)));
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("Evil\u0007Bell")]
    [InlineData("Right\u202eLeft")]
    public async Task Hostile_organization_name_is_refused(string name)
    {
        var client = factory.CreatePortalClient();
        var email = NewEmail();
        var (response, page) = await client.SubmitFormAsync("/Account/Register", "register", SignupFields(name, email, GoodPassword));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Organization name may contain", page.QuerySelector(".validation-summary")!.TextContent);
        Assert.DoesNotContain("<script>alert(1)</script>", await response.Content.ReadAsStringAsync());
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task Form_post_with_a_nul_character_is_rejected_and_creates_nothing()
    {
        var client = factory.CreatePortalClient();
        var email = NewEmail();
        var (response, _) = await client.SubmitFormAsync("/Account/Register", "register", SignupFields("Nul\u0000Org", email, GoodPassword));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.OK, $"status {response.StatusCode}");
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task Very_long_input_is_refused_with_a_clear_message()
    {
        var client = factory.CreatePortalClient();
        var email = NewEmail();
        var (response, page) = await client.SubmitFormAsync("/Account/Register", "register", SignupFields(new string('x', 5000), email, GoodPassword));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("2 to 100 characters", page.QuerySelector(".validation-summary")!.TextContent);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task Form_post_without_antiforgery_token_is_rejected()
    {
        var client = factory.CreatePortalClient();
        var email = NewEmail();
        var fields = SignupFields("No Token Inc", email, GoodPassword);
        fields["_handler"] = "register";

        var response = await client.PostRawAsync("/Account/Register", fields);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(await factory.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == email)));
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account()
    {
        var client = factory.CreatePortalClient();
        var email = await CreateConfirmedCustomerAsync(client);

        for (var i = 0; i < 4; i++)
        {
            var (wrong, page) = await client.SubmitFormAsync("/Account/Login", "login", LoginFields(email, "Wrong-Password-9"));
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("not correct", page.QuerySelector(".alert-error")!.TextContent);
        }

        var fifth = await client.LogInAsync(email, "Wrong-Password-9");
        Assert.Equal(HttpStatusCode.Redirect, fifth.StatusCode);
        Assert.EndsWith("/Account/Lockout", fifth.Headers.Location!.ToString());

        var right = await client.LogInAsync(email, GoodPassword);
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.EndsWith("/Account/Lockout", right.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Lockout_answers_the_same_for_existing_and_unknown_accounts()
    {
        var existing = await CreateConfirmedCustomerAsync(factory.CreatePortalClient());
        var unknown = NewEmail();

        var forExisting = await WrongPasswordAnswersAsync(existing);
        var forUnknown = await WrongPasswordAnswersAsync(unknown);

        Assert.Contains(forExisting, a => a.EndsWith("/Account/Lockout", StringComparison.Ordinal));
        Assert.Equal(forExisting, forUnknown);
    }

    private async Task<List<string>> WrongPasswordAnswersAsync(string email)
    {
        var client = factory.CreatePortalClient();
        var answers = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var (response, page) = await client.SubmitFormAsync("/Account/Login", "login", LoginFields(email, "Wrong-Password-9"));
            answers.Add(response.StatusCode == HttpStatusCode.Redirect
                ? $"{(int)response.StatusCode} {response.Headers.Location}"
                : $"{(int)response.StatusCode} {page.QuerySelector(".alert-error, .validation-summary")?.TextContent.Trim()}");
        }

        var (lockout, lockoutPage) = await client.GetAsync("/Account/Lockout");
        answers.Add($"{(int)lockout.StatusCode} {lockoutPage.QuerySelector("[data-testid=lockout]")?.TextContent.Trim()}");
        return answers;
    }

    [Fact]
    public async Task Password_reset_by_emailed_link_sets_a_new_password()
    {
        var client = factory.CreatePortalClient();
        var email = await CreateConfirmedCustomerAsync(client);

        var (forgot, _) = await client.SubmitFormAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = email });
        Assert.Equal(HttpStatusCode.Redirect, forgot.StatusCode);
        var link = await client.WaitForMailLinkAsync(email, "Reset your Speedera password");

        const string newPassword = "Brand-New-Pass-77";
        var (reset, _) = await client.SubmitFormAsync(PortalClient.LocalPart(link), "reset-password", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = newPassword,
            ["Input.ConfirmPassword"] = newPassword,
        });
        Assert.Equal(HttpStatusCode.Redirect, reset.StatusCode);
        Assert.EndsWith("/Account/ResetPasswordConfirmation", reset.Headers.Location!.ToString());

        Assert.Equal(HttpStatusCode.OK, (await client.LogInAsync(email, GoodPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.LogInAsync(email, newPassword)).StatusCode);
    }

    [Fact]
    public async Task Login_return_url_to_another_site_is_not_followed()
    {
        var client = factory.CreatePortalClient();
        var email = await CreateConfirmedCustomerAsync(client);
        var (response, _) = await client.SubmitFormAsync("/Account/Login?ReturnUrl=https%3A%2F%2Fevil.example%2F", "login", LoginFields(email, GoodPassword));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.DoesNotContain("evil.example", location);
    }

    internal async Task<string> CreateConfirmedCustomerAsync(PortalClient client, string? organization = null)
    {
        var email = NewEmail();
        await client.SignUpAsync(organization ?? "Org " + Guid.NewGuid().ToString("N")[..8], email, GoodPassword);
        var link = await client.WaitForMailLinkAsync(email, "Confirm your Speedera account");
        await client.GetAsync(PortalClient.LocalPart(link));
        return email;
    }

    private static Dictionary<string, string> SignupFields(string organization, string email, string password) => new()
    {
        ["Input.OrganizationName"] = organization,
        ["Input.Email"] = email,
        ["Input.Password"] = password,
        ["Input.ConfirmPassword"] = password,
    };

    private static Dictionary<string, string> LoginFields(string email, string password) => new()
    {
        ["Input.Email"] = email,
        ["Input.Password"] = password,
    };

    internal const string Password = GoodPassword;
}

public sealed class SqliteAccountTests(SqlitePortalFactory factory) : AccountTests<SqlitePortalFactory>(factory);

public sealed class PostgresAccountTests(PostgresPortalFactory factory) : AccountTests<PostgresPortalFactory>(factory);
