using System.Net;
using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using Speedera.Web.Features.Gtm;

namespace Speedera.Tests.Integration.Portal;

/// <summary>The interactive traffic management settings page on the portal's real services: field messages from the service, save and publish, the live state embedded.</summary>
public abstract class GtmSettingsPageTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Fact]
    public async Task A_bad_address_gets_its_message_under_that_row_and_nothing_is_published()
    {
        var (tenant, id) = await GtmHostnameAsync("Bad Address Shop");
        await using var page = await SettingsPageAsync(tenant, id);
        var versionBefore = await LatestVersionAsync();

        page.Page.Find("input[data-testid=address-0]").Change("127.0.0.93");
        page.Page.Find("input[data-testid=address-1]").Change("not-an-ip");
        await page.Page.Find("form").SubmitAsync();

        page.Page.WaitForAssertion(() => Assert.Contains("\"not-an-ip\" is not an IPv4 or IPv6 address.", RowField(page, "address-1").TextContent));
        Assert.DoesNotContain("is not an IPv4", RowField(page, "address-0").TextContent);
        page.Snackbars.WaitForAssertion(() => Assert.Contains("Not saved", page.Snackbars.Markup));
        Assert.Equal(versionBefore, await LatestVersionAsync());
        Assert.Equal(0, await factory.WithDbAsync(db => db.HostnameAddresses.CountAsync(a => a.HostnameId == id)));

        // Correcting the field clears its message.
        page.Page.Find("input[data-testid=address-1]").Change("127.0.0.94");
        page.Page.WaitForAssertion(() => Assert.DoesNotContain("is not an IPv4", RowField(page, "address-1").TextContent));
    }

    [Fact]
    public async Task Saving_publishes_a_new_version_says_so_and_shows_the_addresses_in_the_live_state()
    {
        var (tenant, id) = await GtmHostnameAsync("Good Address Shop");
        await using var page = await SettingsPageAsync(tenant, id);
        var versionBefore = await LatestVersionAsync();

        page.Page.Find("input[data-testid=address-0]").Change("127.0.0.95");
        page.Page.Find("input[aria-label='Description 1']").Change("origin A");
        page.Page.Find("input[data-testid=address-2]").Change("127.0.0.96");
        page.Page.Find("input#ttl").Change("60");
        await page.Page.Find("form").SubmitAsync();

        page.Snackbars.WaitForAssertion(() => Assert.Contains("Saved. Configuration version", page.Snackbars.Markup), TimeSpan.FromSeconds(15));
        Assert.True(await LatestVersionAsync() > versionBefore);
        page.Page.WaitForAssertion(() => Assert.Contains("Saved. Configuration version", page.Page.Find("[data-testid=save-result]").TextContent));
        var saved = await factory.WithDbAsync(db => db.Hostnames.Include(h => h.Addresses).SingleAsync(h => h.Id == id));
        Assert.Equal(["127.0.0.95", "127.0.0.96"], saved.Addresses.Select(a => a.Address).Order(StringComparer.Ordinal));
        Assert.Equal("origin A", saved.Addresses.Single(a => a.Address == "127.0.0.95").Description);
        Assert.Equal(60, saved.TtlSeconds);

        // The form shows the saved rows first, then fresh empty ones; the embedded live state lists both addresses.
        page.Page.WaitForAssertion(() => Assert.Equal("127.0.0.95", page.Page.Find("input[data-testid=address-0]").GetAttribute("value")));
        Assert.Equal("127.0.0.96", page.Page.Find("input[data-testid=address-1]").GetAttribute("value"));
        page.Page.WaitForAssertion(() => Assert.Equal(2, page.Page.FindAll("[data-testid=live-state] tr[data-address]").Count), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Another_organizations_hostname_is_not_found()
    {
        var (_, id) = await GtmHostnameAsync("Hidden Gtm Owner");
        var intruder = await Tenant.CreateAsync(factory, "Gtm Intruder");
        await using var page = await SettingsPageAsync(intruder, id);

        page.Page.WaitForAssertion(() => page.Page.Find("[data-testid=not-found]"));
        Assert.Empty(page.Page.FindAll("form"));
        Assert.Equal(HttpStatusCode.NotFound, (await intruder.Browser.GetAsync($"/gtm/{id}")).Response.StatusCode);
    }

    private static AngleSharp.Dom.IElement RowField(SettingsPage page, string testId) =>
        page.Page.Find($"input[data-testid={testId}]").Closest(".mud-input-control")!;

    private async Task<long> LatestVersionAsync() => await factory.WithDbAsync(db => db.ConfigVersions.Select(v => (long?)v.Version).MaxAsync()) ?? 0;

    private async Task<(Tenant Tenant, Guid Id)> GtmHostnameAsync(string organization)
    {
        var tenant = await Tenant.CreateAsync(factory, organization);
        var label = "gs" + Guid.NewGuid().ToString("N")[..10];
        var id = (await tenant.PostJsonAsync("/api/v1/domains", new { name = label, gtm = true }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        return (tenant, id);
    }

    private async Task<SettingsPage> SettingsPageAsync(Tenant tenant, Guid id)
    {
        var context = new PortalPageContext(factory);
        await context.SignInAsAsync(tenant.Email);
        return new SettingsPage(context, id);
    }

    private sealed class SettingsPage : IAsyncDisposable
    {
        private readonly PortalPageContext context;

        public SettingsPage(PortalPageContext context, Guid id)
        {
            this.context = context;
            Snackbars = context.Render<MudSnackbarProvider>();
            context.Render<MudPopoverProvider>();
            Page = context.Render<GtmSettings>(p => p.Add(c => c.Id, id));
            Page.WaitForAssertion(() => Assert.True(Page.FindAll("form").Count > 0 || Page.FindAll("[data-testid=not-found]").Count > 0), TimeSpan.FromSeconds(15));
        }

        public IRenderedComponent<MudSnackbarProvider> Snackbars { get; }

        public IRenderedComponent<GtmSettings> Page { get; }

        public async ValueTask DisposeAsync() => await context.DisposeAsync();
    }
}

public sealed class SqliteGtmSettingsPageTests(SqlitePortalFactory factory) : GtmSettingsPageTests<SqlitePortalFactory>(factory);

public sealed class PostgresGtmSettingsPageTests(PostgresPortalFactory factory) : GtmSettingsPageTests<PostgresPortalFactory>(factory);
