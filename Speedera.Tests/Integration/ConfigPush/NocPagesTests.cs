using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Features.Edge;

namespace Speedera.Tests.Integration.ConfigPush;

/// <summary>Node enrolment on a real control plane (the interactive NOC pages themselves: Integration/Portal/NocPageTests).</summary>
[Trait("Category", "Integration")]
public sealed class NocPagesTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "speedera-nocpages-" + Guid.NewGuid().ToString("N"));
    private ControlPlaneHost _host = default!;
    private HttpClient _browser = default!;

    public async Task InitializeAsync()
    {
        _host = new ControlPlaneHost(_root, ControlPlaneHost.FreePort());
        _host.StartServer();
        await using (var scope = _host.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<EdgeNodeService>().EnrollAsync("dns-1", "sjc", NodeRoles.Dns, "127.0.0.1:8053", null, null, null);
        }

        _browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = true, UseProxy = false })
        {
            BaseAddress = _host.BaseAddress,
        };
        var login = await SubmitAsync("/Account/Login", "login", new() { ["Input.Email"] = "admin@speedera.local", ["Input.Password"] = "Integration-test-1x" });
        Assert.DoesNotContain("Invalid login", login.Body!.TextContent, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        _browser.Dispose();
        await _host.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Enrolment_is_undone_when_the_network_it_would_publish_is_invalid()
    {
        await using var scope = _host.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        db.Pops.Add(new PopEntity { Id = "Bad POP", Name = "Bad", City = "Nowhere", Country = "NL", Network = "none" });
        await db.SaveChangesAsync();
        var before = await LatestVersionAsync();

        var result = await scope.ServiceProvider.GetRequiredService<EdgeNodeService>()
            .EnrollAndPublishAsync(new EnrolmentRequest("cache-8", "sjc", NodeRoles.Cache, CacheEndpoint: "127.0.0.8:8080"), "test");

        Assert.Equal(EnrolmentProblem.NotPublishable, result.Error?.Problem);
        Assert.Contains("Bad POP", result.Error!.Message, StringComparison.Ordinal);
        await using var check = _host.CreateScope();
        Assert.False(await check.ServiceProvider.GetRequiredService<SpeederaDbContext>().EdgeNodes.AnyAsync(n => n.Id == "cache-8"));
        Assert.Equal(before, await LatestVersionAsync());
    }

    [Fact]
    public async Task Refused_enrolment_names_the_problem_and_the_field()
    {
        await using var scope = _host.CreateScope();
        var nodes = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();

        var missing = await nodes.EnrollAndPublishAsync(new EnrolmentRequest("dns-3", "sjc", NodeRoles.Dns), "test");
        var duplicate = await nodes.EnrollAndPublishAsync(new EnrolmentRequest("dns-1", "sjc", NodeRoles.Probe), "test");
        var badPop = await nodes.EnrollAndPublishAsync(new EnrolmentRequest("probe-3", "nowhere", NodeRoles.Probe), "test");

        Assert.Equal((EnrolmentProblem.MissingEndpoint, nameof(EnrolmentRequest.DnsEndpoint)), (missing.Error!.Problem, missing.Error.Field));
        Assert.Equal(EnrolmentProblem.AlreadyEnrolled, duplicate.Error?.Problem);
        Assert.Equal((EnrolmentProblem.UnknownPop, nameof(EnrolmentRequest.PopId)), (badPop.Error!.Problem, badPop.Error.Field));
    }

    private async Task<IHtmlDocument> GetAsync(string path)
    {
        var html = await _browser.GetStringAsync(path);
        return new HtmlParser().ParseDocument(html);
    }

    /// <summary>Fills the form named <paramref name="formName"/> on <paramref name="path"/> as a browser would and posts it.</summary>
    private async Task<IHtmlDocument> SubmitAsync(string path, string formName, Dictionary<string, string> values)
    {
        var page = await GetAsync(path);
        var form = page.QuerySelectorAll("form").OfType<IHtmlFormElement>()
            .FirstOrDefault(f => f.QuerySelector("input[name=_handler]")?.GetAttribute("value") == formName)
            ?? throw new InvalidOperationException($"No form '{formName}' on {path}:\n{page.Body?.TextContent}");
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var input in form.QuerySelectorAll("input[type=hidden]"))
        {
            fields.Add(new(input.GetAttribute("name")!, input.GetAttribute("value") ?? ""));
        }

        fields.AddRange(values);
        using var response = await _browser.PostAsync(form.GetAttribute("action") is { Length: > 0 } action ? action : path, new FormUrlEncodedContent(fields));
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {html}");
        return new HtmlParser().ParseDocument(html);
    }

    private async Task<long> LatestVersionAsync()
    {
        await using var scope = _host.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<SpeederaDbContext>().ConfigVersions.MaxAsync(v => (long?)v.Version) ?? 0;
    }
}
