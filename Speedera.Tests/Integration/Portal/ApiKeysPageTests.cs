using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Speedera.Tests.Support;
using Speedera.Web.Features.Api;

namespace Speedera.Tests.Integration.Portal;

/// <summary>The interactive API keys page on the portal's real services: create (scope, expiry, field messages), show once, revoke after confirming.</summary>
public abstract class ApiKeysPageTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Fact]
    public async Task Creating_a_read_only_key_that_expires_shows_it_once_and_lists_its_scope_and_expiry()
    {
        var tenant = await Tenant.CreateAsync(factory, "Keys Page Shop");
        await using var page = await KeysPageAsync(tenant);

        page.NameInput.Change("dashboard reader");
        // The form's fields are disabled until the page has rendered interactively; a change before that is dropped.
        page.Page.WaitForAssertion(() => Assert.False(
            page.Page.Find("input[data-testid=scope-read-only], [data-testid=scope-read-only] input").HasAttribute("disabled"), "scope enabled"));
        var readOnly = page.Page.Find("input[data-testid=scope-read-only], [data-testid=scope-read-only] input");
        try
        {
            readOnly.Change(true);
        }
        catch (MissingEventHandlerException)
        {
            readOnly.Click();
        }

        // The radio group takes the choice through its own event: wait until the page shows it chosen before submitting
        // (submitting first raced it under load and created a full key).
        page.Page.WaitForAssertion(() => Assert.True(
            page.Page.Find("input[data-testid=scope-read-only], [data-testid=scope-read-only] input").HasAttribute("checked"), "read-only chosen"));

        // Choosing "In 30 days" in the select's popover ends in its ValueChanged, which the page binds.
        var expiry = page.Page.FindComponent<MudSelect<int>>();
        await page.Page.InvokeAsync(() => expiry.Instance.ValueChanged.InvokeAsync(30));
        await page.Page.Find("form").SubmitAsync();

        page.Page.WaitForAssertion(() => Assert.StartsWith("spk_", page.Page.Find("[data-testid=api-key-value]").TextContent.Trim()));
        var key = page.Page.Find("[data-testid=api-key-value]").TextContent.Trim();
        page.Snackbars.WaitForAssertion(() => Assert.Contains("Key \"dashboard reader\" created", page.Snackbars.Markup));
        var stored = await factory.WithDbAsync(db => db.ApiKeys.SingleAsync(k => k.OrganizationId == tenant.OrganizationId && k.Name == "dashboard reader"));
        Assert.Equal(ApiKeyScope.ReadOnly, stored.Scope);
        Assert.InRange(stored.ExpiresAt!.Value, DateTime.UtcNow.AddDays(30).AddMinutes(-5), DateTime.UtcNow.AddDays(30).AddMinutes(5));
        Assert.Equal(key[..12], stored.Prefix);
        var row = page.Page.FindAll("[data-testid=api-keys] tbody tr").Single(r => r.TextContent.Contains("dashboard reader", StringComparison.Ordinal));
        Assert.Equal("read-only", row.QuerySelector("[data-testid=key-scope]")!.TextContent.Trim());
        Assert.Equal("active", row.QuerySelector("[data-testid=key-state]")!.TextContent.Trim());

        // The key lives only in that circuit's memory: the page opened again lists the key but never shows it.
        await using var again = await KeysPageAsync(tenant);
        again.Page.WaitForAssertion(() => Assert.Contains("dashboard reader", again.Page.Find("[data-testid=api-keys]").TextContent));
        Assert.Empty(again.Page.FindAll("[data-testid=api-key-value]"));
        Assert.DoesNotContain(key, again.Page.Markup);
    }

    [Fact]
    public async Task A_key_without_a_name_or_with_markup_in_it_gets_the_field_message_and_nothing_is_created()
    {
        var tenant = await Tenant.CreateAsync(factory, "Nameless Keys");
        await using var page = await KeysPageAsync(tenant);

        await page.Page.Find("form").SubmitAsync();
        page.Page.WaitForAssertion(() => Assert.Contains("Name the key.", page.NameInput.Closest(".mud-input-control")!.TextContent));

        page.NameInput.Change("<script>");
        await page.Page.Find("form").SubmitAsync();
        page.Page.WaitForAssertion(() => Assert.Contains("not < > or control characters", page.NameInput.Closest(".mud-input-control")!.TextContent));

        Assert.Empty(page.Page.FindAll("[data-testid=api-key-value]"));
        Assert.Equal(1, await factory.WithDbAsync(db => db.ApiKeys.CountAsync(k => k.OrganizationId == tenant.OrganizationId)));
    }

    [Fact]
    public async Task Revoking_asks_first_cancel_keeps_the_key_and_confirming_refuses_it_at_once()
    {
        var tenant = await Tenant.CreateAsync(factory, "Revoke Page Shop");
        await using var page = await KeysPageAsync(tenant);
        page.Page.WaitForAssertion(() => page.Page.Find("[data-testid=revoke-key]"));

        _ = page.Page.Find("[data-testid=revoke-key]").ClickAsync(new());
        page.Dialogs.WaitForAssertion(() => Assert.Contains("Revoke tests?", page.Dialogs.Find(".mud-dialog").TextContent));
        await page.Dialogs.Find("[data-testid=confirm-cancel]").ClickAsync(new());
        page.Dialogs.WaitForAssertion(() => Assert.Empty(page.Dialogs.FindAll("[data-testid=confirm-message]")));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await tenant.Api.GetAsync("/api/v1/domains")).StatusCode);

        _ = page.Page.Find("[data-testid=revoke-key]").ClickAsync(new());
        page.Dialogs.WaitForAssertion(() => page.Dialogs.Find("[data-testid=confirm-ok]"));
        await page.Dialogs.Find("[data-testid=confirm-ok]").ClickAsync(new());

        page.Snackbars.WaitForAssertion(() => Assert.Contains("Key \"tests\" revoked.", page.Snackbars.Markup));
        page.Page.WaitForAssertion(() => Assert.StartsWith("revoked", page.Page.Find("[data-testid=key-state]").TextContent.Trim()));
        Assert.Empty(page.Page.FindAll("[data-testid=revoke-key]"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await tenant.Api.GetAsync("/api/v1/domains")).StatusCode);
    }

    [Fact]
    public async Task Another_organizations_keys_are_not_listed()
    {
        var mine = await Tenant.CreateAsync(factory, "Own Keys Ltd");
        var theirs = await Tenant.CreateAsync(factory, "Other Keys Ltd");
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ApiKeyService>().IssueAsync(theirs.OrganizationId, "their secret script", theirs.Email);
        }

        await using var page = await KeysPageAsync(mine);

        page.Page.WaitForAssertion(() => Assert.Single(page.Page.FindAll("[data-testid=api-keys] tbody tr [data-testid=key-scope]")));
        Assert.DoesNotContain("their secret script", page.Page.Markup);
    }

    private async Task<KeysPage> KeysPageAsync(Tenant tenant)
    {
        var context = new PortalPageContext(factory);
        await context.SignInAsAsync(tenant.Email);
        return new KeysPage(context);
    }

    private sealed class KeysPage : IAsyncDisposable
    {
        private readonly PortalPageContext context;

        public KeysPage(PortalPageContext context)
        {
            this.context = context;
            Dialogs = context.Render<MudDialogProvider>();
            Snackbars = context.Render<MudSnackbarProvider>();
            Page = context.Render<ApiKeysPage>();
        }

        public IRenderedComponent<MudDialogProvider> Dialogs { get; }

        public IRenderedComponent<MudSnackbarProvider> Snackbars { get; }

        public IRenderedComponent<ApiKeysPage> Page { get; }

        public AngleSharp.Dom.IElement NameInput => Page.Find("input#key-name");

        public async ValueTask DisposeAsync() => await context.DisposeAsync();
    }
}

public sealed class SqliteApiKeysPageTests(SqlitePortalFactory factory) : ApiKeysPageTests<SqlitePortalFactory>(factory);

public sealed class PostgresApiKeysPageTests(PostgresPortalFactory factory) : ApiKeysPageTests<PostgresPortalFactory>(factory);
