using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Speedera.Tests.Support;

namespace Speedera.Tests.Integration.Portal;

/// <summary>Two-factor sign-in with Identity's authenticator (TOTP) support, driven with codes computed from the shared key.</summary>
public abstract class TwoFactorTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    private const string Password = "Two-Factor-Passw0rd";

    private async Task<(PortalClient Browser, string Email)> SignedUpAsync()
    {
        var browser = factory.CreatePortalClient();
        var email = $"tfa-{Guid.NewGuid():N}@example.test";
        await browser.SignUpAsync("Second Factor", email, Password);
        await browser.GetAsync(PortalClient.LocalPart(await browser.WaitForMailLinkAsync(email, "Confirm your Speedera account")));
        Assert.Equal(HttpStatusCode.Redirect, (await browser.LogInAsync(email, Password)).StatusCode);
        return (browser, email);
    }

    private static async Task<(string Key, IReadOnlyList<string> RecoveryCodes)> EnableAsync(PortalClient browser)
    {
        var (_, setup) = await browser.GetAsync("/Account/Manage/EnableAuthenticator");
        var key = setup.QuerySelector("[data-testid=shared-key]")!.TextContent;
        Assert.StartsWith("data:image/png;base64,", setup.QuerySelector<IHtmlImageElement>("[data-testid=qr-code]")!.Source);

        var (wrong, wrongPage) = await browser.SubmitFormOnPageAsync(setup, "/Account/Manage/EnableAuthenticator", "enable-authenticator",
            new Dictionary<string, string> { ["Input.Code"] = WrongCode(key) });
        Assert.True(wrong.StatusCode == HttpStatusCode.OK, $"{wrong.StatusCode} {wrong.Headers.Location}");
        Assert.Contains("not valid", wrongPage.Body!.TextContent);

        var (_, done) = await browser.SubmitFormAsync("/Account/Manage/EnableAuthenticator", "enable-authenticator",
            new Dictionary<string, string> { ["Input.Code"] = Totp.Code(key, DateTimeOffset.UtcNow) });
        var codes = done.QuerySelectorAll("[data-testid=recovery-codes] li code").Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal(10, codes.Count);
        return (key, codes);
    }

    // A code that is valid for none of the steps Identity accepts (now +- a few).
    private static string WrongCode(string key)
    {
        var near = Enumerable.Range(-5, 11).Select(i => Totp.Code(key, DateTimeOffset.UtcNow.AddSeconds(30 * i))).ToHashSet();
        return Enumerable.Range(0, 1000).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).First(c => !near.Contains(c));
    }

    private static async Task<HttpResponseMessage> PasswordStepAsync(PortalClient browser, string email)
    {
        var response = await browser.LogInAsync(email, Password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response;
    }

    [Fact]
    public async Task Enabled_authenticator_makes_sign_in_ask_for_a_totp_code()
    {
        var (browser, email) = await SignedUpAsync();
        var (key, _) = await EnableAsync(browser);
        var (_, settings) = await browser.GetAsync("/Account/Manage/TwoFactor");
        Assert.Contains("on", settings.QuerySelector("[data-testid=two-factor-state] strong")!.TextContent);
        await browser.LogOutAsync();

        var login = await PasswordStepAsync(browser, email);
        var secondStep = PortalClient.LocalPart(login.Headers.Location!.ToString());
        Assert.StartsWith("/Account/LoginWith2fa", secondStep);
        var (notYet, _) = await browser.GetAsync("/domains");
        Assert.Equal(HttpStatusCode.Redirect, notYet.StatusCode);
        Assert.Contains("/Account/Login", notYet.Headers.Location!.ToString());

        var (wrong, wrongPage) = await browser.SubmitFormAsync(secondStep, "login-2fa", new Dictionary<string, string> { ["Input.Code"] = WrongCode(key) });
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("not valid", wrongPage.Body!.TextContent);

        // The next step's code: Identity accepts it (clock drift window), and it differs from the one used to enable.
        var (signedIn, _) = await browser.SubmitFormAsync(secondStep, "login-2fa",
            new Dictionary<string, string> { ["Input.Code"] = Totp.Code(key, DateTimeOffset.UtcNow.AddSeconds(30)) });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var (domains, _) = await browser.GetAsync("/domains");
        Assert.Equal(HttpStatusCode.OK, domains.StatusCode);
    }

    [Fact]
    public async Task A_recovery_code_signs_in_once()
    {
        var (browser, email) = await SignedUpAsync();
        var (_, codes) = await EnableAsync(browser);
        await browser.LogOutAsync();

        await PasswordStepAsync(browser, email);
        var (ok, _) = await browser.SubmitFormAsync("/Account/LoginWithRecoveryCode?ReturnUrl=%2F", "login-recovery",
            new Dictionary<string, string> { ["Input.RecoveryCode"] = codes[0] });
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        var (_, left) = await browser.GetAsync("/Account/Manage/TwoFactor");
        Assert.Equal("9", left.QuerySelector("[data-testid=recovery-codes-left]")!.TextContent);
        await browser.LogOutAsync();

        await PasswordStepAsync(browser, email);
        var (reused, page) = await browser.SubmitFormAsync("/Account/LoginWithRecoveryCode?ReturnUrl=%2F", "login-recovery",
            new Dictionary<string, string> { ["Input.RecoveryCode"] = codes[0] });
        Assert.Equal(HttpStatusCode.OK, reused.StatusCode);
        Assert.Contains("not valid or was used", page.Body!.TextContent);
    }

    [Fact]
    public async Task Regenerated_recovery_codes_replace_the_old_ones_and_turning_off_drops_the_second_step()
    {
        var (browser, email) = await SignedUpAsync();
        var (_, oldCodes) = await EnableAsync(browser);

        var (_, regenerated) = await browser.SubmitFormAsync("/Account/Manage/TwoFactor", "regenerate-codes", new Dictionary<string, string>());
        var newCodes = regenerated.QuerySelectorAll("[data-testid=recovery-codes] li code").Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal(10, newCodes.Count);
        Assert.Empty(newCodes.Intersect(oldCodes));
        await browser.LogOutAsync();

        await PasswordStepAsync(browser, email);
        var (old, _) = await browser.SubmitFormAsync("/Account/LoginWithRecoveryCode?ReturnUrl=%2F", "login-recovery",
            new Dictionary<string, string> { ["Input.RecoveryCode"] = oldCodes[1] });
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        var (fresh, _) = await browser.SubmitFormAsync("/Account/LoginWithRecoveryCode?ReturnUrl=%2F", "login-recovery",
            new Dictionary<string, string> { ["Input.RecoveryCode"] = newCodes[1] });
        Assert.Equal(HttpStatusCode.Redirect, fresh.StatusCode);

        var (off, _) = await browser.SubmitFormAsync("/Account/Manage/TwoFactor", "disable-2fa", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, off.StatusCode);
        var (stillIn, _) = await browser.GetAsync("/domains");
        Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
        await browser.LogOutAsync();
        var login = await PasswordStepAsync(browser, email);
        Assert.DoesNotContain("LoginWith2fa", login.Headers.Location!.ToString());
    }
}

public sealed class SqliteTwoFactorTests(SqlitePortalFactory factory) : TwoFactorTests<SqlitePortalFactory>(factory);

public sealed class PostgresTwoFactorTests(PostgresPortalFactory factory) : TwoFactorTests<PostgresPortalFactory>(factory);
