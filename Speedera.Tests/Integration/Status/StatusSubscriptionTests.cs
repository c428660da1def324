using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Speedera.Tests.Integration.Portal;
using Speedera.Web.Features.Incidents;

namespace Speedera.Tests.Integration.Status;

/// <summary>
/// E-mail subscriptions to the status page, checked at the receiving end (the pickup folder): subscribe, nothing is
/// sent before the confirmation link is opened (double opt-in), a public incident on a chosen component arrives, a
/// subscriber of another component gets nothing, and after the mail's unsubscribe link no more mail is queued.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class StatusSubscriptionTests(SqlitePortalFactory factory) : IClassFixture<SqlitePortalFactory>
{
    [Fact]
    public async Task Subscriber_confirms_receives_an_incident_on_a_chosen_component_and_unsubscribes_with_the_mail_link()
    {
        var client = factory.CreatePortalClient();
        var dnsFan = $"dns-{Guid.NewGuid():N}@example.test";
        var portalFan = $"portal-{Guid.NewGuid():N}@example.test";

        using (var subscribed = await client.PostRawAsync("/status/subscribe", new Dictionary<string, string> { ["email"] = dnsFan, ["components"] = "dns" }))
        {
            Assert.Equal(HttpStatusCode.OK, subscribed.StatusCode);
            Assert.Contains("Check your mailbox", await subscribed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var other = await client.PostRawAsync("/status/subscribe", new Dictionary<string, string> { ["email"] = portalFan, ["components"] = "portal" }))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        var confirmMail = await WaitForMailAsync(dnsFan, "Confirm your Speedera status subscription");
        var confirm = Link(confirmMail, "/status/confirm");

        // Not confirmed yet: an incident on DNS queues nothing for the address.
        var early = await OpenIncidentAsync("DNS answers slowly in Europe", "dns");
        Assert.Equal(0, await QueuedForAsync(dnsFan, "DNS answers slowly in Europe"));
        await ResolveAsync(early);

        using (var confirmed = await client.Http.GetAsync(PortalClient.LocalPart(confirm)))
        {
            Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
            Assert.Contains("Subscribed", await confirmed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var otherConfirm = Link(await WaitForMailAsync(portalFan, "Confirm your Speedera status subscription"), "/status/confirm");
        (await client.Http.GetAsync(PortalClient.LocalPart(otherConfirm))).Dispose();

        var incident = await OpenIncidentAsync("Elevated DNS SERVFAIL rate", "dns");
        var notice = await WaitForMailAsync(dnsFan, "Elevated DNS SERVFAIL rate");
        Assert.Contains("[Speedera status] Investigating: Elevated DNS SERVFAIL rate", notice.Subject, StringComparison.Ordinal);
        Assert.Contains("We are looking into it.", notice.TextBody, StringComparison.Ordinal);
        Assert.Equal(0, await QueuedForAsync(portalFan, "Elevated DNS SERVFAIL rate"));

        var unsubscribe = Link(notice, "/status/unsubscribe");
        using (var gone = await client.Http.GetAsync(PortalClient.LocalPart(unsubscribe)))
        {
            Assert.Equal(HttpStatusCode.OK, gone.StatusCode);
            Assert.Contains("You will receive no more status mail.", await gone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The next public update queues nothing for the address that left.
        var before = await QueuedForAsync(dnsFan, "Elevated DNS SERVFAIL rate");
        await ResolveAsync(incident);
        Assert.Equal(before, await QueuedForAsync(dnsFan, "Elevated DNS SERVFAIL rate"));
        Assert.Equal(0, await factory.WithDbAsync(db => db.StatusSubscribers.CountAsync(s => s.Email == dnsFan)));
    }

    [Fact]
    public async Task Portal_status_copy_takes_its_styles_from_a_file_the_csp_allows()
    {
        var client = factory.CreatePortalClient();
        using (var bare = await client.Http.GetAsync("/status"))
        {
            Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
            Assert.Equal("/status/", bare.Headers.Location?.OriginalString);
        }

        // The publisher renders the site shortly after start; until then the portal answers 503.
        HttpResponseMessage? page = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            page?.Dispose();
            page = await client.Http.GetAsync("/status/");
            if (page.StatusCode == HttpStatusCode.OK)
            {
                break;
            }
        }

        using (page)
        {
            Assert.Equal(HttpStatusCode.OK, page!.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            var csp = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("style-src 'self';", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
            Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
            Assert.Contains("<link rel=\"stylesheet\" href=\"status.css\">", html, StringComparison.Ordinal);
            Assert.Contains("href=\"history.atom\"", html, StringComparison.Ordinal);
        }

        using var css = await client.Http.GetAsync("/status/status.css");
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".banner.major", await css.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var atom = await client.Http.GetAsync("/status/history.atom");
        Assert.Equal(HttpStatusCode.OK, atom.StatusCode);
    }

    private async Task<Guid> OpenIncidentAsync(string title, string components)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IncidentService>()
            .OpenAsync(title, IncidentImpact.Minor, components, "We are looking into it.", isPublic: true, "noc@speedera.test");
    }

    private async Task ResolveAsync(Guid id)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IncidentService>().ResolveAsync(id, "Fixed.", "noc@speedera.test");
    }

    private Task<int> QueuedForAsync(string to, string subjectContains) =>
        factory.WithDbAsync(db => db.EmailMessages.CountAsync(m => m.To == to && m.Subject.Contains(subjectContains)));

    private async Task<MimeMessage> WaitForMailAsync(string to, string subjectContains)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(factory.MailDirectory))
            {
                foreach (var file in Directory.GetFiles(factory.MailDirectory, "*.eml"))
                {
                    var message = await MimeMessage.LoadAsync(file);
                    if (message.To.Mailboxes.Any(m => m.Address == to) && (message.Subject ?? "").Contains(subjectContains, StringComparison.Ordinal))
                    {
                        return message;
                    }
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No mail '{subjectContains}' to {to} in {factory.MailDirectory}");
    }

    private static string Link(MimeMessage message, string path)
    {
        var link = LinkPattern().Matches(message.TextBody ?? "").Select(m => m.Value).FirstOrDefault(l => l.Contains(path, StringComparison.Ordinal));
        Assert.True(link is not null, $"no {path} link in:\n{message.TextBody}");
        return link;
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();
}
