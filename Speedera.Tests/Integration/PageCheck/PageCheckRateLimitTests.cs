using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Speedera.Tests.Integration.Portal;

namespace Speedera.Tests.Integration.PageCheck;

/// <summary>A portal whose organizations may place 4 page checks an hour and have 2 unfinished at once.</summary>
public sealed class PageCheckLimitPortalFactory : PortalFactory
{
    public override string ProviderName => "Sqlite";

    protected override IEnumerable<KeyValuePair<string, string>> DatabaseSettings() =>
    [
        new("Database:Provider", "Sqlite"),
        new("Speedera:PageChecks:MaxChecksPerHour", "4"),
        new("Speedera:PageChecks:MaxUnfinishedChecks", "2"),
        new("Speedera:PageChecks:LocationTimeout", "00:00:08"),
    ];
}

/// <summary>
/// Page checks are limited per organization: unfinished at once and per hour, answered 429 with a problem document;
/// another organization is not affected. No probe node runs here, so placed checks stay queued until their deadline and
/// nothing is fetched.
/// </summary>
public sealed class PageCheckRateLimitTests(PageCheckLimitPortalFactory factory) : IClassFixture<PageCheckLimitPortalFactory>
{
    private static object Check() => new { url = "http://127.0.0.1:9/", locations = new[] { "sjc" }, repeatView = false, compareWithOrigin = false };

    [Fact]
    public async Task Checks_beyond_the_organizations_limits_answer_429_and_other_organizations_still_place_theirs()
    {
        var busy = await Tenant.CreateAsync(factory, "Busy Shop");
        var other = await Tenant.CreateAsync(factory, "Quiet Shop");

        Assert.Equal(HttpStatusCode.Accepted, (await busy.Api.PostAsJsonAsync("/api/v1/page-checks", Check())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await busy.Api.PostAsJsonAsync("/api/v1/page-checks", Check())).StatusCode);

        // Two unfinished: the third waits for one to finish.
        using var third = await busy.Api.PostAsJsonAsync("/api/v1/page-checks", Check());
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        Assert.Contains("at once", JsonDocument.Parse(await third.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"Retry-After: {third.Headers.RetryAfter}");
        Assert.Equal(HttpStatusCode.Accepted, (await other.Api.PostAsJsonAsync("/api/v1/page-checks", Check())).StatusCode);

        // Their locations time out (no probe node): two more fit, then the hourly limit of 4 answers.
        await Task.Delay(TimeSpan.FromSeconds(8.5));
        Assert.Equal(HttpStatusCode.Accepted, (await busy.Api.PostAsJsonAsync("/api/v1/page-checks", Check())).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await busy.Api.PostAsJsonAsync("/api/v1/page-checks", Check())).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(8.5));
        using var fifth = await busy.Api.PostAsJsonAsync("/api/v1/page-checks", Check());
        Assert.Equal(HttpStatusCode.TooManyRequests, fifth.StatusCode);
        Assert.Contains("an hour", JsonDocument.Parse(await fifth.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await other.Api.PostAsJsonAsync("/api/v1/page-checks", Check())).StatusCode);
    }
}
