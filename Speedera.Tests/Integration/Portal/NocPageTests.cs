using System.Net;
using AngleSharp.Dom;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Speedera.Tests.Support;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Edge;

namespace Speedera.Tests.Integration.Portal;

/// <summary>The interactive NOC pages as an admin uses them, on the portal's real services (what the static-form NocPagesTests checked).</summary>
public abstract class NocPageTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Fact]
    public async Task Admin_publishes_and_rolls_back_from_the_history_page_after_confirming()
    {
        await using var context = await AdminContextAsync();
        var dialogs = context.Render<MudDialogProvider>();
        var snackbars = context.Render<MudSnackbarProvider>();
        var page = context.Render<History>();
        page.WaitForAssertion(() => page.Find("[data-testid=latest-version]"), TimeSpan.FromSeconds(10));
        var start = await LatestVersionAsync();
        Assert.Equal(start.ToString(), page.Find("[data-testid=latest-version]").TextContent);

        var pop = "a" + Guid.NewGuid().ToString("N")[..5];
        await factory.WithDbAsync(async db =>
        {
            db.Pops.Add(new PopEntity { Id = pop, Name = "Amsterdam " + pop, City = "Amsterdam", Country = "NL", Network = "AMS-IX" });
            return await db.SaveChangesAsync();
        });

        await page.Find("[data-testid=publish]").ClickAsync(new());
        snackbars.WaitForAssertion(() => Assert.Contains($"Published version {start + 1}: POPs +1 ({pop})", snackbars.Markup), TimeSpan.FromSeconds(10));

        page.WaitForAssertion(() => page.Find($"[data-testid=rollback-{start}]"), TimeSpan.FromSeconds(10));
        var rollBack = page.Find($"[data-testid=rollback-{start}]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains($"Roll back to version {start}?", dialogs.Find(".mud-dialog").TextContent));
        Assert.Equal(start + 1, await LatestVersionAsync());
        await dialogs.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await rollBack.WaitAsync(TimeSpan.FromSeconds(30));
        snackbars.WaitForAssertion(() => Assert.Contains($"Published version {start + 2}: Roll back to version {start}: POPs -1 ({pop})", snackbars.Markup), TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => Assert.Equal($"{start + 2}", page.Find("[data-testid=latest-version]").TextContent));
        var newest = page.FindAll("[data-testid=config-history] tbody tr")[0];
        Assert.Contains(PortalFactory.AdminEmail, newest.TextContent, StringComparison.Ordinal);

        // The signed file and the public key download are what a node needs to run without a control plane.
        var browser = factory.CreatePortalClient();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.LogInAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        var envelopeBytes = await browser.Http.GetByteArrayAsync(newest.QuerySelector("a[download]")!.GetAttribute("href"));
        var pem = await browser.Http.GetStringAsync("/noc/configuration/public-key.pem");
        Assert.True(Speedera.Core.Configuration.ConfigurationKeys.TryImportPublicKey(pem, out var publicKey, out _));
        Assert.True(Speedera.Core.Configuration.SignedConfiguration.TryParse(envelopeBytes, out var envelope, out _));
        Assert.True(envelope!.TryVerify(publicKey!, out var document, out _, out var detail), detail);
        Assert.Equal(start + 2, document!.Version);
        publicKey!.Dispose();
    }

    [Fact]
    public async Task Noc_enrols_a_node_issues_a_key_once_and_revokes_it_after_confirming()
    {
        var start = await LatestVersionAsync();
        var nodeId = "cache-" + Guid.NewGuid().ToString("N")[..6];
        await using var context = await AdminContextAsync();
        var dialogs = context.Render<MudDialogProvider>();
        var snackbars = context.Render<MudSnackbarProvider>();
        var page = context.Render<Nodes>();
        page.WaitForAssertion(() => Assert.NotEqual("none", page.Find("[data-testid=latest-version]").TextContent), TimeSpan.FromSeconds(10));

        Input(page, "enrol-node-id").Change(nodeId);
        Input(page, "enrol-cache-endpoint").Change("127.0.0.9:8080");
        await page.Find("form").SubmitAsync();

        snackbars.WaitForAssertion(() => Assert.Contains($"Node {nodeId} enrolled; configuration version {start + 1}", snackbars.Markup), TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => page.Find($"code[data-node='{nodeId}']"), TimeSpan.FromSeconds(10));

        await page.Find($"[data-testid=issue-{nodeId}]").ClickAsync(new());
        page.WaitForAssertion(() => page.Find("[data-testid=node-key]"), TimeSpan.FromSeconds(10));
        var key = page.Find("[data-testid=node-key]").TextContent;
        Assert.Equal(43, key.Length);
        Assert.True(await WithNodesAsync(n => n.AuthenticateAsync(nodeId, key)));

        page.WaitForAssertion(() => page.Find($"tr:has(code[data-node='{nodeId}']) [data-testid=revoke-node-key]"), TimeSpan.FromSeconds(10));
        var revoke = page.Find($"tr:has(code[data-node='{nodeId}']) [data-testid=revoke-node-key]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains(nodeId, dialogs.Find(".mud-dialog").TextContent));
        Assert.True(await WithNodesAsync(n => n.AuthenticateAsync(nodeId, key)), "the key was revoked before the confirmation");
        await dialogs.Find("[data-testid=confirm-ok]").ClickAsync(new());
        await revoke.WaitAsync(TimeSpan.FromSeconds(30));

        snackbars.WaitForAssertion(() => Assert.Contains("Key revoked", snackbars.Markup), TimeSpan.FromSeconds(10));
        Assert.False(await WithNodesAsync(n => n.AuthenticateAsync(nodeId, key)));
    }

    [Fact]
    public async Task Enrolling_a_dns_node_without_an_endpoint_is_refused_with_the_reason()
    {
        var nodeId = "dns-" + Guid.NewGuid().ToString("N")[..6];
        await using var context = await AdminContextAsync();
        var page = context.Render<Nodes>();
        page.WaitForAssertion(() => Assert.NotEqual("none", page.Find("[data-testid=latest-version]").TextContent), TimeSpan.FromSeconds(10));

        Input(page, "enrol-node-id").Change(nodeId);
        Input(page, "enrol-dns").Change(true);
        Input(page, "enrol-cache").Change(false);
        await page.Find("form").SubmitAsync();

        page.WaitForAssertion(() => Assert.Contains("needs a DNS endpoint", page.Find("[data-testid=enrol-error]").TextContent), TimeSpan.FromSeconds(10));
        Assert.False(await factory.WithDbAsync(db => db.EdgeNodes.AnyAsync(n => n.Id == nodeId)));
    }

    [Fact]
    public async Task Enrolment_form_shows_field_messages_for_a_bad_node_id()
    {
        await using var context = await AdminContextAsync();
        var page = context.Render<Nodes>();
        page.WaitForAssertion(() => Assert.NotEqual("none", page.Find("[data-testid=latest-version]").TextContent), TimeSpan.FromSeconds(10));

        Input(page, "enrol-node-id").Change("Not A Node!");
        await page.Find("form").SubmitAsync();

        page.WaitForAssertion(() => Assert.Contains("Node ids are 1-64 characters", Input(page, "enrol-node-id").Closest(".mud-input-control")!.TextContent));
    }

    private static IElement Input<T>(IRenderedComponent<T> page, string testId)
        where T : Microsoft.AspNetCore.Components.IComponent =>
        page.Find($"input[data-testid={testId}], [data-testid={testId}] input");

    private async Task<PortalPageContext> AdminContextAsync()
    {
        var context = new PortalPageContext(factory);
        await context.SignInAsAsync(PortalFactory.AdminEmail);
        return context;
    }

    private async Task<bool> WithNodesAsync(Func<EdgeNodeService, Task<bool>> action)
    {
        using var scope = factory.Services.CreateScope();
        return await action(scope.ServiceProvider.GetRequiredService<EdgeNodeService>());
    }

    private Task<long> LatestVersionAsync() =>
        factory.WithDbAsync(async db => await db.ConfigVersions.MaxAsync(v => (long?)v.Version) ?? 0);
}

public sealed class SqliteNocPageTests(SqlitePortalFactory factory) : NocPageTests<SqlitePortalFactory>(factory);

public sealed class PostgresNocPageTests(PostgresPortalFactory factory) : NocPageTests<PostgresPortalFactory>(factory);
