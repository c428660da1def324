using System.Net;
using Microsoft.AspNetCore.Http;
using Speedera.Tests.Support;

namespace Speedera.Tests.Integration.Cache;

public class FreshnessTests
{
    [Fact]
    public async Task Stale_response_is_revalidated_and_304_updates_stored_headers()
    {
        await using var t = await CacheTestHost.StartAsync();
        var version = 1;
        t.Origin.Map("/v", async context =>
        {
            context.Response.Headers.CacheControl = "max-age=10";
            context.Response.Headers.ETag = "\"e1\"";
            context.Response.Headers["X-Version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (context.Request.Headers.IfNoneMatch == "\"e1\"")
            {
                context.Response.StatusCode = 304;
                return;
            }

            await context.Response.WriteAsync("payload");
        });
        using var first = await t.GetAsync("/v");
        version = 2;
        t.Clock.Advance(TimeSpan.FromSeconds(11));

        using var revalidated = await t.GetAsync("/v");
        using var fresh = await t.GetAsync("/v");

        Assert.Equal(HttpStatusCode.OK, revalidated.StatusCode);
        Assert.Equal("payload", await revalidated.Content.ReadAsStringAsync());
        Assert.Equal("Speedera; fwd=stale; fwd-status=304", revalidated.CacheStatus());
        Assert.Equal("2", revalidated.Headers.GetValues("X-Version").Single());
        Assert.Equal("Speedera; hit", fresh.CacheStatus());
        Assert.Equal("2", fresh.Headers.GetValues("X-Version").Single());
        Assert.Equal(2, t.Origin.Hits("/v"));
        Assert.Equal("\"e1\"", t.Origin.Requests.Last().Headers.IfNoneMatch.ToString());
    }

    [Fact]
    public async Task Last_Modified_is_used_as_a_validator_with_If_Modified_Since()
    {
        await using var t = await CacheTestHost.StartAsync();
        const string lastModified = "Tue, 01 Jan 2030 00:00:00 GMT";
        t.Origin.Map("/lm", async context =>
        {
            context.Response.Headers.CacheControl = "max-age=1";
            context.Response.Headers.LastModified = lastModified;
            if (context.Request.Headers.IfModifiedSince == lastModified)
            {
                context.Response.StatusCode = 304;
                return;
            }

            await context.Response.WriteAsync("lm");
        });
        using var first = await t.GetAsync("/lm");
        t.Clock.Advance(TimeSpan.FromSeconds(5));

        using var second = await t.GetAsync("/lm");

        Assert.Equal("lm", await second.Content.ReadAsStringAsync());
        Assert.Equal("Speedera; fwd=stale; fwd-status=304", second.CacheStatus());
    }

    [Fact]
    public async Task No_cache_response_is_stored_but_validated_on_every_use()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.Map("/nc", async context =>
        {
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers.ETag = "\"n\"";
            if (context.Request.Headers.IfNoneMatch == "\"n\"")
            {
                context.Response.StatusCode = 304;
                return;
            }

            await context.Response.WriteAsync("nc");
        });

        using var first = await t.GetAsync("/nc");
        using var second = await t.GetAsync("/nc");

        Assert.Equal("nc", await second.Content.ReadAsStringAsync());
        Assert.Contains("fwd-status=304", second.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(2, t.Origin.Hits("/nc"));
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("private, max-age=60")]
    public async Task Response_forbidden_to_shared_caches_is_not_stored(string cacheControl)
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/p", "secret", ("Cache-Control", cacheControl));

        using var first = await t.GetAsync("/p");
        using var second = await t.GetAsync("/p");

        Assert.Equal("secret", await second.Content.ReadAsStringAsync());
        Assert.Equal(2, t.Origin.Hits("/p"));
        Assert.DoesNotContain("stored", second.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vary_keeps_one_variant_per_request_header_value()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.Map("/vary", async context =>
        {
            context.Response.Headers.CacheControl = "max-age=60";
            context.Response.Headers.Vary = "Accept-Language";
            await context.Response.WriteAsync("lang=" + context.Request.Headers.AcceptLanguage);
        });

        async Task<(string Body, string Status)> Get(string lang)
        {
            using var r = await t.GetAsync("/vary", configure: m => m.Headers.TryAddWithoutValidation("Accept-Language", lang));
            return (await r.Content.ReadAsStringAsync(), r.CacheStatus());
        }

        var en1 = await Get("en");
        var fr1 = await Get("fr");
        var en2 = await Get("en");
        var fr2 = await Get("fr");

        Assert.Equal(("lang=en", "Speedera; fwd=miss; stored"), en1);
        Assert.Equal(("lang=fr", "Speedera; fwd=vary-miss; stored"), fr1);
        Assert.Equal(("lang=en", "Speedera; hit"), en2);
        Assert.Equal(("lang=fr", "Speedera; hit"), fr2);
        Assert.Equal(2, t.Origin.Hits("/vary"));
    }

    [Fact]
    public async Task Expires_and_heuristic_freshness_are_used_when_max_age_is_absent()
    {
        await using var t = await CacheTestHost.StartAsync();
        var now = t.Clock.GetUtcNow();
        t.Origin.MapStatic("/exp", "e", ("Expires", (now + TimeSpan.FromSeconds(30)).ToString("r")), ("Date", now.ToString("r")));
        // 10% of 100 days since Last-Modified, capped at one day.
        t.Origin.MapStatic("/heur", "h", ("Last-Modified", (now - TimeSpan.FromDays(100)).ToString("r")), ("Date", now.ToString("r")));
        foreach (var path in new[] { "/exp", "/heur" })
        {
            (await t.GetAsync(path)).Dispose();
        }

        t.Clock.Advance(TimeSpan.FromSeconds(20));
        using var expHit = await t.GetAsync("/exp");
        using var heurHit = await t.GetAsync("/heur");
        t.Clock.Advance(TimeSpan.FromSeconds(20));
        using var expMiss = await t.GetAsync("/exp");
        t.Clock.Advance(TimeSpan.FromHours(25));
        using var heurMiss = await t.GetAsync("/heur");

        Assert.Equal("Speedera; hit", expHit.CacheStatus());
        Assert.Equal("Speedera; hit", heurHit.CacheStatus());
        Assert.StartsWith("Speedera; fwd=stale", expMiss.CacheStatus(), StringComparison.Ordinal);
        Assert.StartsWith("Speedera; fwd=stale", heurMiss.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stale_if_error_serves_the_stored_response_when_the_origin_is_down()
    {
        await using var t = await CacheTestHost.StartAsync(o => o.StaleIfOriginUnreachable = TimeSpan.Zero);
        t.Origin.MapStatic("/sie", "still here", ("Cache-Control", "max-age=1, stale-if-error=600"));
        t.Origin.MapStatic("/plain", "gone", ("Cache-Control", "max-age=1"));
        (await t.GetAsync("/sie")).Dispose();
        (await t.GetAsync("/plain")).Dispose();
        await t.Origin.StopAsync();
        t.Clock.Advance(TimeSpan.FromSeconds(10));

        using var stale = await t.GetAsync("/sie");
        using var error = await t.GetAsync("/plain");

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal("still here", await stale.Content.ReadAsStringAsync());
        Assert.Contains("stale-if-error", stale.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Contains("could not reach origin", await error.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_origin_gets_stale_content_within_the_configured_allowance_unless_forbidden()
    {
        await using var t = await CacheTestHost.StartAsync(o => o.StaleIfOriginUnreachable = TimeSpan.FromMinutes(10));
        t.Origin.MapStatic("/plain", "kept", ("Cache-Control", "max-age=1"));
        t.Origin.MapStatic("/mr", "strict", ("Cache-Control", "max-age=1, must-revalidate"));
        (await t.GetAsync("/plain")).Dispose();
        (await t.GetAsync("/mr")).Dispose();
        await t.Origin.StopAsync();
        t.Clock.Advance(TimeSpan.FromSeconds(10));

        using var stale = await t.GetAsync("/plain");
        using var strict = await t.GetAsync("/mr");
        t.Clock.Advance(TimeSpan.FromMinutes(20));
        using var tooOld = await t.GetAsync("/plain");

        Assert.Equal("kept", await stale.Content.ReadAsStringAsync());
        Assert.Contains("stale-if-error-connect", stale.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadGateway, strict.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, tooOld.StatusCode);
    }

    [Fact]
    public async Task Stale_if_error_also_covers_origin_5xx()
    {
        await using var t = await CacheTestHost.StartAsync();
        var fail = false;
        t.Origin.Map("/e5", async context =>
        {
            if (fail)
            {
                context.Response.StatusCode = 503;
                return;
            }

            context.Response.Headers.CacheControl = "max-age=1, stale-if-error=60";
            await context.Response.WriteAsync("ok");
        });
        (await t.GetAsync("/e5")).Dispose();
        fail = true;
        t.Clock.Advance(TimeSpan.FromSeconds(5));

        using var response = await t.GetAsync("/e5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("stale-if-error", response.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stale_while_revalidate_serves_stale_and_refreshes_in_the_background()
    {
        await using var t = await CacheTestHost.StartAsync();
        var version = 1;
        t.Origin.Map("/swr", async context =>
        {
            context.Response.Headers.CacheControl = "max-age=1, stale-while-revalidate=60";
            await context.Response.WriteAsync("v" + version);
        });
        (await t.GetAsync("/swr")).Dispose();
        version = 2;
        t.Clock.Advance(TimeSpan.FromSeconds(5));

        using var stale = await t.GetAsync("/swr");
        var staleBody = await stale.Content.ReadAsStringAsync();
        await Eventually.TrueAsync(
            () => t.Cache.Store.LookupOnly(TestNetwork.Host, "/swr") is { } e && e.CurrentAge(t.Clock.GetUtcNow()) < e.FreshnessLifetime,
            "the background refresh has stored a fresh copy");
        using var refreshed = await t.GetAsync("/swr");

        Assert.Equal("v1", staleBody);
        Assert.Contains("stale-while-revalidate", stale.CacheStatus(), StringComparison.Ordinal);
        Assert.Equal("v2", await refreshed.Content.ReadAsStringAsync());
        Assert.Equal("Speedera; hit", refreshed.CacheStatus());
    }

    [Fact]
    public async Task Must_revalidate_forbids_serving_stale_on_error()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/mr", "x", ("Cache-Control", "max-age=1, must-revalidate, stale-if-error=600"));
        (await t.GetAsync("/mr")).Dispose();
        await t.Origin.StopAsync();
        t.Clock.Advance(TimeSpan.FromSeconds(10));

        using var response = await t.GetAsync("/mr");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task Successful_POST_is_forwarded_and_invalidates_the_stored_response()
    {
        await using var t = await CacheTestHost.StartAsync();
        var version = 1;
        t.Origin.Map("/doc", async context =>
        {
            if (HttpMethods.IsPost(context.Request.Method))
            {
                version++;
                using var reader = new StreamReader(context.Request.Body);
                await context.Response.WriteAsync("posted:" + await reader.ReadToEndAsync());
                return;
            }

            context.Response.Headers.CacheControl = "max-age=600";
            await context.Response.WriteAsync("v" + version);
        });
        (await t.GetAsync("/doc")).Dispose();

        using var post = await t.SendAsync(HttpMethod.Post, "/doc", configure: m => m.Content = new StringContent("data"));
        using var after = await t.GetAsync("/doc");

        Assert.Equal("posted:data", await post.Content.ReadAsStringAsync());
        Assert.Equal("Speedera; fwd=method", post.CacheStatus());
        Assert.Equal("v2", await after.Content.ReadAsStringAsync());
        Assert.StartsWith("Speedera; fwd=stale", after.CacheStatus(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_if_cached_miss_answers_504_without_contacting_the_origin()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/oic", "x", ("Cache-Control", "max-age=60"));

        using var response = await t.GetAsync("/oic", configure: m => m.Headers.TryAddWithoutValidation("Cache-Control", "only-if-cached"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(0, t.Origin.Hits("/oic"));
    }
}
