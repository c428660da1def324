using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Speedera.E2E;

/// <summary>
/// An owner invites a colleague who accepts and works on the organization's domains, then removes them;
/// a customer turns on two-factor sign-in and signs in with a code from the shared key. The browser runs in
/// Tokyo time, so the portal takes the user's time zone from it.
/// </summary>
public sealed class OrganizationJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Password = "Journey-Passw0rd!";

    private static string Shots(string name)
    {
        Directory.CreateDirectory(Path.Combine(BrowserFixture.ScreenshotDirectory, "org"));
        return Path.Combine("org", name);
    }

    private async Task<IPage> NewPageAsync(string theme = "light")
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = fixture.Portal.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
            TimezoneId = "Asia/Tokyo",
        });
        await context.AddCookiesAsync([new Cookie { Name = "speedera.theme", Value = theme, Url = fixture.Portal.BaseUrl }]);
        return await context.NewPageAsync();
    }

    private async Task<(IPage Page, string Email)> SignedUpCustomerAsync(string organization, string theme = "light")
    {
        var page = await NewPageAsync(theme);
        var email = $"org-{Guid.NewGuid():N}@example.test";
        await page.GotoAsync("/Account/Register");
        await page.FillAsync("#Input\\.OrganizationName", organization);
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.FillAsync("#Input\\.ConfirmPassword", Password);
        await page.ClickAsync("[data-testid=register-submit]");
        await Expect(page.Locator("[data-testid=register-confirmation]")).ToBeVisibleAsync();
        await page.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(email, "Confirm your Speedera account"));
        await LogInAsync(page, email);
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(email);
        return (page, email);
    }

    private static async Task LogInAsync(IPage page, string email)
    {
        await page.GotoAsync("/Account/Login");
        await page.FillAsync("#Input\\.Email", email);
        await page.FillAsync("#Input\\.Password", Password);
        await page.ClickAsync("[data-testid=login-submit]");
    }

    private static async Task<string> CreateApiKeyAsync(IPage page)
    {
        await page.GotoAsync("/api-keys");
        await page.FillAsync("#key-name", "journey");
        await page.ClickAsync("[data-testid=create-key]");
        return (await page.Locator("[data-testid=api-key-value]").TextContentAsync())!.Trim();
    }

    [Fact]
    public async Task Owner_invites_a_member_who_accepts_and_sees_the_domains_then_is_removed()
    {
        var (owner, _) = await SignedUpCustomerAsync("Team Journey KK");
        var key = await CreateApiKeyAsync(owner);
        var hostname = $"team{Guid.NewGuid():N}"[..14];
        var added = await owner.APIRequest.PostAsync("/api/v1/domains", new APIRequestContextOptions
        {
            Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + key },
            DataObject = new { name = hostname, gtm = true },
        });
        Assert.Equal(201, added.Status);

        // The browser's zone became the account's zone at sign-in: times show in Japan Standard Time.
        await Expect(owner.Locator("[data-testid=api-keys] tbody tr").First).ToContainTextAsync("JST");

        await owner.GotoAsync("/");
        await owner.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await owner.ClickAsync("[data-testid=drawer] >> text=Members");
        await Expect(owner.Locator("h1")).ToHaveTextAsync("Members");
        await Expect(owner.Locator("[data-testid=member-table]")).ToContainTextAsync("you");
        var invitee = $"colleague-{Guid.NewGuid():N}@example.test";
        await owner.Locator("input[data-testid=invite-email], [data-testid=invite-email] input").First.FillAsync(invitee);
        await owner.ClickAsync("[data-testid=send-invitation]");
        await Expect(owner.Locator(".mud-snackbar")).ToContainTextAsync("Invitation sent");
        await Expect(owner.Locator("[data-testid=invitation-table]")).ToContainTextAsync(invitee);
        await BrowserFixture.ScreenshotAsync(owner, Shots("members-light"));

        var member = await NewPageAsync("dark");
        await member.GotoAsync(await fixture.Portal.WaitForMailLinkAsync(invitee, "Join Team Journey KK"));
        await Expect(member.Locator("h1")).ToContainTextAsync("Team Journey KK");
        await BrowserFixture.ScreenshotAsync(member, Shots("accept-invitation-dark"));
        await member.FillAsync("#Input\\.Password", Password);
        await member.FillAsync("#Input\\.ConfirmPassword", Password);
        await member.ClickAsync("[data-testid=accept-signup-submit]");
        await Expect(member.Locator("[data-testid=account-name]")).ToHaveTextAsync(invitee);
        await member.GotoAsync("/domains");
        await Expect(member.Locator("body")).ToContainTextAsync(hostname);
        await Expect(member.Locator("[data-testid=drawer]")).Not.ToContainTextAsync("Members");

        await owner.ReloadAsync();
        await owner.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Expect(owner.Locator("[data-testid=member-table]")).ToContainTextAsync(invitee);
        await owner.ClickAsync($"[data-testid='remove-{invitee}']");
        await Expect(owner.Locator("[data-testid=confirm-dialog]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(owner, Shots("members-remove-confirm-light"));
        await owner.ClickAsync("[data-testid=confirm-ok]");
        await Expect(owner.Locator(".mud-snackbar")).ToContainTextAsync("was removed");
        await Expect(owner.Locator("[data-testid=member-table]")).Not.ToContainTextAsync(invitee);

        await member.GotoAsync("/domains");
        await Expect(member).ToHaveURLAsync(new Regex("/Account/Login"));
    }

    [Fact]
    public async Task Customer_turns_on_two_factor_and_signs_in_with_an_authenticator_code()
    {
        var (page, email) = await SignedUpCustomerAsync("Second Step GK", theme: "dark");
        await page.GotoAsync("/Account/Manage");
        await Expect(page.Locator("#Zone\\.TimeZone")).ToHaveValueAsync("Asia/Tokyo");
        await BrowserFixture.ScreenshotAsync(page, Shots("settings-dark"));
        await page.ClickAsync("[data-testid=enable-2fa-link]");
        await Expect(page.Locator("[data-testid=qr-code]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, Shots("enable-authenticator-dark"));
        var sharedKey = (await page.Locator("[data-testid=shared-key]").TextContentAsync())!;

        await page.FillAsync("#Input\\.Code", TotpCode(sharedKey, DateTimeOffset.UtcNow));
        await page.ClickAsync("[data-testid=verify-authenticator]");
        await Expect(page.Locator("[data-testid=recovery-codes] li")).ToHaveCountAsync(10);
        await BrowserFixture.ScreenshotAsync(page, Shots("recovery-codes-dark"));

        await page.ClickAsync("[data-testid=logout]");
        await LogInAsync(page, email);
        await Expect(page).ToHaveURLAsync(new Regex("/Account/LoginWith2fa"));
        await BrowserFixture.ScreenshotAsync(page, Shots("login-2fa-dark"));
        await page.FillAsync("#Input\\.Code", TotpCode(sharedKey, DateTimeOffset.UtcNow.AddSeconds(30)));
        await page.ClickAsync("[data-testid=login-2fa-submit]");
        await Expect(page.Locator("[data-testid=account-name]")).ToHaveTextAsync(email);
    }

    [Fact]
    public async Task Light_screenshots_of_the_account_pages()
    {
        var (page, _) = await SignedUpCustomerAsync("Light Pages KK");
        await page.GotoAsync("/Account/Manage");
        await BrowserFixture.ScreenshotAsync(page, Shots("settings-light"));
        await page.GotoAsync("/Account/Manage/EnableAuthenticator");
        await Expect(page.Locator("[data-testid=qr-code]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, Shots("enable-authenticator-light"));
        await CreateApiKeyAsync(page);
        await BrowserFixture.ScreenshotAsync(page, Shots("api-keys-light"));
        await page.GotoAsync("/organization/members");
        await Expect(page.Locator("[data-testid=member-table]")).ToContainTextAsync("you");
        var dark = await NewPageAsync("dark");
        await dark.Context.AddCookiesAsync((await page.Context.CookiesAsync()).Where(c => c.Name != "speedera.theme")
            .Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, Secure = c.Secure, SameSite = c.SameSite }));
        await dark.Context.AddCookiesAsync([new Cookie { Name = "speedera.theme", Value = "dark", Url = fixture.Portal.BaseUrl }]);
        await dark.GotoAsync("/organization/members");
        await Expect(dark.Locator("[data-testid=member-table]")).ToContainTextAsync("you");
        await BrowserFixture.ScreenshotAsync(dark, Shots("members-dark"));
        await dark.GotoAsync("/api-keys");
        await BrowserFixture.ScreenshotAsync(dark, Shots("api-keys-dark"));
    }

    // RFC 6238 with SHA-1, 30 s and 6 digits, from the base32 key the page shows (as an authenticator app does).
    private static string TotpCode(string base32Key, DateTimeOffset at)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var key = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in base32Key.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant())
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                key.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }

        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, at.ToUnixTimeSeconds() / 30);
        var hash = HMACSHA1.HashData([.. key], counter);
        var offset = hash[^1] & 0x0f;
        return ((BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset)) & 0x7fffffff) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }
}
