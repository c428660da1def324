using System.Net;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Speedera.Core.Cache;
using Speedera.Core.Configuration;
using Speedera.Tests.Support;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Content;
using Speedera.Web.Features.Edge;
using Speedera.Web.Features.Live;

namespace Speedera.Tests.Integration.Portal;

/// <summary>Converted pages on the portal's real services: forms, live updates from the change feed, and access on open circuits.</summary>
public abstract class LivePageTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Fact]
    public async Task Purging_from_the_page_orders_once_and_each_cache_node_status_updates_live()
    {
        var tenant = await Tenant.CreateAsync(factory, "Live Purge Shop");
        var label = "lp" + Guid.NewGuid().ToString("N")[..8];
        var id = (await tenant.PostJsonAsync("/api/v1/domains", new { name = label, cdn = true, gtm = false, origin = "127.0.0.1" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var nodeId = "cache-" + label;
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<EdgeNodeService>().EnrollAsync(nodeId, "fra", NodeRoles.Cache, null, null, "127.0.0.1:1", null);
        }

        await using var context = new PortalPageContext(factory);
        await context.SignInAsAsync(tenant.Email);
        var snackbars = context.Render<MudSnackbarProvider>();
        var page = context.Render<ContentDetails>(p => p.Add(c => c.Id, id));
        page.WaitForAssertion(() => page.Find("[data-testid=purge-history]"), TimeSpan.FromSeconds(10));

        // An empty URL is stopped by the form with a message under the field; nothing is ordered.
        await page.Find("form").SubmitAsync();
        page.WaitForAssertion(() => Assert.Contains("Enter a URL", page.Find("input[data-testid=purge-url], [data-testid=purge-url] input").Closest(".mud-input-control")!.TextContent));
        // A URL on another host comes back from the service as a message under the field.
        page.Find("input[data-testid=purge-url], [data-testid=purge-url] input").Change("http://elsewhere.example/x");
        await page.Find("form").SubmitAsync();
        page.WaitForAssertion(() => Assert.Contains($"The URL must be on {label}.speedera.net.", page.Find("input[data-testid=purge-url], [data-testid=purge-url] input").Closest(".mud-input-control")!.TextContent));
        Assert.Equal(0, await factory.WithDbAsync(db => db.PurgeOrders.CountAsync(p => p.HostnameId == id)));

        page.Find("input[data-testid=purge-url], [data-testid=purge-url] input").Change($"http://{label}.speedera.net/images/");
        await page.Find("form").SubmitAsync();

        snackbars.WaitForAssertion(() => Assert.Contains("Purge ordered", snackbars.Markup), TimeSpan.FromSeconds(10));
        Assert.Equal(1, await factory.WithDbAsync(db => db.PurgeOrders.CountAsync(p => p.HostnameId == id)));
        page.WaitForAssertion(() => Assert.Equal("pending", page.Find($"[data-testid=purge-history] [data-node='{nodeId}']").GetAttribute("data-status")), TimeSpan.FromSeconds(10));

        // The node reports through the edge API's service; the change feed tells the open page, which re-reads.
        var orderId = await factory.WithDbAsync(db => db.PurgeOrders.Where(p => p.HostnameId == id).Select(p => p.Id).SingleAsync());
        using (var scope = factory.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<PurgeService>().RecordResultsAsync(nodeId, [new PurgeResult(orderId, nodeId, PurgeStatus.Done, 3, DateTimeOffset.UtcNow)], CancellationToken.None);
        }

        factory.Services.GetRequiredService<LiveFeed>().Publish(LiveTopic.PurgeResults, nodeId);
        page.WaitForAssertion(() => Assert.Equal("done", page.Find($"[data-testid=purge-history] [data-node='{nodeId}']").GetAttribute("data-status")), TimeSpan.FromSeconds(10));
        Assert.Contains("3 objects", page.Find($"[data-testid=purge-history] [data-node='{nodeId}']").TextContent);
    }

    [Fact]
    public async Task An_open_live_page_loses_a_user_whose_role_is_revoked_within_30_seconds()
    {
        var email = $"watcher-{Guid.NewGuid():N}@speedera.test";
        using (var scope = factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true };
            Assert.True((await users.CreateAsync(user, "Watcher-Passw0rd!")).Succeeded);
            Assert.True((await users.AddToRoleAsync(user, Roles.Noc)).Succeeded);
        }

        await using var context = new PortalPageContext(factory);
        // The portal's own revalidating provider, started with the user's sign-in principal as a circuit starts it.
        var provider = ActivatorUtilities.CreateInstance<IdentityRevalidatingAuthenticationStateProvider>(factory.Services);
        provider.SetAuthenticationState(Task.FromResult(new AuthenticationState(await PortalPageContext.PrincipalOfAsync(factory, email))));
        context.UseAuthenticationState(provider);
        var feed = factory.Services.GetRequiredService<LiveFeed>();
        var subscribersBefore = feed.SubscriberCount;

        var page = context.Render<RoleGatedPage>(p => p.Add(c => c.Policy, Roles.Policies.Noc).Add(c => c.Page, typeof(Nodes)));
        page.WaitForAssertion(() => page.Find("[data-testid=node-table]"), TimeSpan.FromSeconds(10));
        Assert.Equal(subscribersBefore + 1, feed.SubscriberCount);

        using (var scope = factory.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.RemoveFromRoleAsync((await users.FindByEmailAsync(email))!, Roles.Noc)).Succeeded);
        }

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=access-lost]")), TimeSpan.FromSeconds(30));
        Assert.Empty(page.FindAll("[data-testid=node-table]"));
        // The page was disposed with its subscription: nothing of it is live any more.
        Assert.Equal(subscribersBefore, feed.SubscriberCount);
    }
}

/// <summary>What AuthorizeRouteView does for a routed page: render it while the policy holds, else a notice.</summary>
public sealed class RoleGatedPage : ComponentBase
{
    [Parameter]
    public string Policy { get; set; } = "";

    [Parameter]
    public Type Page { get; set; } = default!;

    protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
    {
        builder.OpenComponent<CascadingAuthenticationState>(0);
        builder.AddAttribute(1, nameof(CascadingAuthenticationState.ChildContent), (RenderFragment)(content =>
        {
            content.OpenComponent<AuthorizeView>(0);
            content.AddAttribute(1, nameof(AuthorizeView.Policy), Policy);
            content.AddAttribute(2, nameof(AuthorizeView.Authorized), (RenderFragment<AuthenticationState>)(_ => page =>
            {
                page.OpenComponent(0, Page);
                page.CloseComponent();
            }));
            content.AddAttribute(3, nameof(AuthorizeView.NotAuthorized), (RenderFragment<AuthenticationState>)(_ => denied =>
            {
                denied.OpenElement(0, "p");
                denied.AddAttribute(1, "data-testid", "access-lost");
                denied.AddContent(2, "Access lost");
                denied.CloseElement();
            }));
            content.CloseComponent();
        }));
        builder.CloseComponent();
    }
}

public sealed class SqliteLivePageTests(SqlitePortalFactory factory) : LivePageTests<SqlitePortalFactory>(factory);

public sealed class PostgresLivePageTests(PostgresPortalFactory factory) : LivePageTests<PostgresPortalFactory>(factory);
