using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Domains;
using Speedera.Web.Features.Finance;
using Speedera.Web.Features.Noc;

namespace Speedera.Tests.Integration.Portal;

/// <summary>What interactive Blazor Server adds to the portal: its script, the theme choice, circuit revalidation.</summary>
public abstract class InteractivePortalTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Fact]
    public async Task Blazor_script_mudblazor_assets_and_theme_stylesheets_are_served()
    {
        var client = factory.CreatePortalClient();
        var (_, page) = await client.GetAsync("/Account/Login");
        var scripts = page.QuerySelectorAll("script[src]").Select(s => s.GetAttribute("src")!).ToList();

        Assert.Contains(scripts, s => s.StartsWith("_framework/blazor.web", StringComparison.Ordinal));
        foreach (var asset in scripts.Concat(page.QuerySelectorAll("link[rel=stylesheet]").Select(l => l.GetAttribute("href")!)))
        {
            var response = await client.Http.GetAsync("/" + asset);
            Assert.True(response.IsSuccessStatusCode, $"{asset} answered {response.StatusCode}");
        }

        var dark = await client.Http.GetStringAsync("/theme/dark.css");
        Assert.Contains("--mud-palette-primary", dark);
        Assert.DoesNotContain("<style", dark);
    }

    [Fact]
    public async Task Theme_choice_is_remembered_in_a_cookie_and_the_next_page_uses_the_dark_stylesheet()
    {
        var client = factory.CreatePortalClient();
        var (_, page) = await client.GetAsync("/Account/Login");
        Assert.Equal("theme/light.css", page.QuerySelector("[data-testid=theme-stylesheet]")!.GetAttribute("href"));
        var form = page.QuerySelector<IHtmlFormElement>("form[data-testid=theme-toggle]")!;
        var fields = form.QuerySelectorAll<IHtmlInputElement>("input[type=hidden]").ToDictionary(i => i.Name!, i => i.Value);
        Assert.Equal("dark", fields["mode"]);

        var response = await client.PostRawAsync(form.GetAttribute("action")!, fields);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Login", response.Headers.Location!.ToString());
        (_, page) = await client.GetAsync("/Account/Login");
        Assert.Equal("theme/dark.css", page.QuerySelector("[data-testid=theme-stylesheet]")!.GetAttribute("href"));
    }

    [Fact]
    public async Task Theme_post_without_antiforgery_or_to_another_site_is_refused()
    {
        var client = factory.CreatePortalClient();
        var forged = await client.PostRawAsync("/preferences/theme", new Dictionary<string, string> { ["mode"] = "dark", ["returnUrl"] = "/" });
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(forged.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("speedera.theme", StringComparison.Ordinal)));

        var (_, page) = await client.GetAsync("/Account/Login");
        var token = page.QuerySelector<IHtmlInputElement>("form[data-testid=theme-toggle] input[name=__RequestVerificationToken]")!.Value;
        var offsite = await client.PostRawAsync("/preferences/theme", new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["mode"] = "dark", ["returnUrl"] = "//evil.example/",
        });
        Assert.Equal("/", offsite.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Grid_queries_page_sort_and_search_in_the_database_for_every_offered_column()
    {
        var noc = factory.Services.GetRequiredService<INocQueries>();
        var finance = factory.Services.GetRequiredService<FinanceQueries>();
        var hostnames = factory.Services.GetRequiredService<HostnameListQueries>();
        foreach (var descending in new[] { false, true })
        {
            foreach (var column in new[] { "Id", "Name", "City", "Country", "Network", "Unknown" })
            {
                Assert.NotEmpty((await noc.PopsAsync(new PageQuery(0, 3, column, descending))).Items);
            }

            foreach (var column in new[] { "ServerId", "ServiceId", "ProbeNodeId", "Value", "MeasuredAt" })
            {
                await noc.ServiceStatesAsync(new PageQuery(0, 3, column, descending, "x"));
            }

            foreach (var column in new[] { "Name", "CreatedAt", "Users" })
            {
                await finance.CustomersAsync(new PageQuery(0, 3, column, descending, "a"));
            }

            foreach (var column in new[] { "Name", "TtlSeconds", "Verification", "Origin", "TestType" })
            {
                await hostnames.ListAsync(Guid.NewGuid(), Speedera.Core.Configuration.HostnameServices.Gtm, new PageQuery(0, 3, column, descending, "a"));
            }
        }

        var page2 = await noc.PopsAsync(new PageQuery(1, 3, "Id", Descending: false));
        var all = await noc.PopsAsync(new PageQuery(0, 100, "Id", Descending: false));
        Assert.Equal(all.Items.Skip(3).Take(3).Select(p => p.Id), page2.Items.Select(p => p.Id));
        Assert.Equal(all.Total, page2.Total);
        Assert.Equal(["nrt"], (await noc.PopsAsync(new PageQuery(Search: "Tokyo"))).Items.Select(p => p.Id));
        await noc.ProbeNodesAsync();
        await noc.RecentDecisionsAsync(TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task Open_circuits_lose_a_user_who_is_locked_out_loses_a_role_or_changes_security_stamp()
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ApplicationUser>>();
        var provider = (IdentityRevalidatingAuthenticationStateProvider)scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>();
        Assert.True(IdentityRevalidatingAuthenticationStateProvider.Interval <= TimeSpan.FromSeconds(30));

        async Task<ApplicationUser> NewNocUserAsync()
        {
            var user = new ApplicationUser { UserName = $"noc-{Guid.NewGuid():N}@example.test", Email = $"noc-{Guid.NewGuid():N}@example.test", EmailConfirmed = true };
            Assert.True((await users.CreateAsync(user, "Revalidate-Passw0rd!")).Succeeded);
            Assert.True((await users.AddToRoleAsync(user, Roles.Noc)).Succeeded);
            return user;
        }

        var kept = await NewNocUserAsync();
        Assert.True(await provider.IsStillValidAsync(await signIn.CreateUserPrincipalAsync(kept)));

        var lockedOut = await NewNocUserAsync();
        var lockedOutPrincipal = await signIn.CreateUserPrincipalAsync(lockedOut);
        await users.SetLockoutEndDateAsync(lockedOut, DateTimeOffset.UtcNow.AddHours(1));
        Assert.False(await provider.IsStillValidAsync(lockedOutPrincipal));

        var demoted = await NewNocUserAsync();
        var demotedPrincipal = await signIn.CreateUserPrincipalAsync(demoted);
        await users.RemoveFromRoleAsync(demoted, Roles.Noc);
        Assert.False(await provider.IsStillValidAsync(demotedPrincipal));

        var stamped = await NewNocUserAsync();
        var stampedPrincipal = await signIn.CreateUserPrincipalAsync(stamped);
        await users.UpdateSecurityStampAsync(stamped);
        Assert.False(await provider.IsStillValidAsync(stampedPrincipal));

        var removed = await NewNocUserAsync();
        var removedPrincipal = await signIn.CreateUserPrincipalAsync(removed);
        await users.DeleteAsync(removed);
        Assert.False(await provider.IsStillValidAsync(removedPrincipal));
    }
}

public sealed class SqliteInteractivePortalTests(SqlitePortalFactory factory) : InteractivePortalTests<SqlitePortalFactory>(factory);

public sealed class PostgresInteractivePortalTests(PostgresPortalFactory factory) : InteractivePortalTests<PostgresPortalFactory>(factory);
