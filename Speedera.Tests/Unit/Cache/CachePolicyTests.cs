using Speedera.Core.Cache;

namespace Speedera.Tests.Unit.Cache;

public class CacheControlParsingTests
{
    [Fact]
    public void Directives_are_case_insensitive_and_quoted_arguments_are_accepted_RFC9111_5_2()
    {
        var d = CacheControlDirectives.Parse("Public, MAX-AGE=\"60\", s-maxage=30, stale-while-revalidate=5, stale-if-error=7, no-cache=\"Set-Cookie\"");

        Assert.True(d.Public);
        Assert.Equal(TimeSpan.FromSeconds(60), d.MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(30), d.SharedMaxAge);
        Assert.Equal(TimeSpan.FromSeconds(5), d.StaleWhileRevalidate);
        Assert.Equal(TimeSpan.FromSeconds(7), d.StaleIfError);
        Assert.True(d.NoCache);
    }

    [Fact]
    public void Invalid_max_age_counts_as_zero_and_duplicates_take_the_smallest_RFC9111_4_2_1()
    {
        Assert.Equal(TimeSpan.Zero, CacheControlDirectives.Parse("max-age=abc").MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(10), CacheControlDirectives.Parse(["max-age=60", "max-age=10"]).MaxAge);
    }

    [Fact]
    public void Bare_max_stale_accepts_any_staleness_RFC9111_5_2_1_2()
    {
        Assert.Equal(CacheControlDirectives.Unlimited, CacheControlDirectives.Parse("max-stale").MaxStale);
        Assert.Equal(TimeSpan.FromSeconds(5), CacheControlDirectives.Parse("max-stale=5").MaxStale);
    }

    [Fact]
    public void Huge_delta_seconds_saturate_at_2_pow_31_RFC9111_1_2_2()
    {
        Assert.Equal(TimeSpan.FromSeconds(2147483648), CacheControlDirectives.Parse("max-age=99999999999999999999").MaxAge);
    }

    [Fact]
    public void Commas_inside_quotes_do_not_split_directives()
    {
        var d = CacheControlDirectives.Parse("private=\"a, b\", max-age=5");

        Assert.True(d.Private);
        Assert.Equal(TimeSpan.FromSeconds(5), d.MaxAge);
    }
}

public class StorabilityTests
{
    private static Storability Store(string responseCc, int status = 200, string method = "GET", string requestCc = "",
        bool expires = false, bool authorization = false, bool varyStar = false, FreshnessDefaults? defaults = null)
    {
        var resp = CacheControlDirectives.Parse(responseCc);
        var explicitExpiry = resp.MaxAge is not null || resp.SharedMaxAge is not null || expires;
        return CachePolicy.CanStore(method, status, CacheControlDirectives.Parse(requestCc), resp, explicitExpiry, authorization, varyStar, defaults ?? FreshnessDefaults.Rfc);
    }

    [Fact]
    public void No_store_in_response_or_request_prevents_storing_RFC9111_5_2_2_5_and_5_2_1_5()
    {
        Assert.Equal(Storability.NoStore, Store("no-store, max-age=60"));
        Assert.Equal(Storability.NoStore, Store("max-age=60", requestCc: "no-store"));
    }

    [Fact]
    public void Private_is_never_stored_by_a_shared_cache_RFC9111_5_2_2_7()
    {
        Assert.Equal(Storability.Private, Store("private, max-age=60"));
    }

    [Fact]
    public void Authorization_needs_public_s_maxage_or_must_revalidate_RFC9111_3_5()
    {
        Assert.Equal(Storability.Authorization, Store("max-age=60", authorization: true));
        Assert.Equal(Storability.Storable, Store("public, max-age=60", authorization: true));
        Assert.Equal(Storability.Storable, Store("s-maxage=60", authorization: true));
        Assert.Equal(Storability.Storable, Store("must-revalidate, max-age=60", authorization: true));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public void Only_GET_and_HEAD_responses_are_stored_RFC9111_3(string method)
    {
        Assert.Equal(Storability.MethodNotCacheable, Store("max-age=60", method: method));
    }

    [Theory]
    [InlineData(200, Storability.Storable)]
    [InlineData(404, Storability.Storable)]
    [InlineData(301, Storability.Storable)]
    [InlineData(302, Storability.NoFreshnessInformation)]
    [InlineData(500, Storability.NoFreshnessInformation)]
    [InlineData(206, Storability.StatusNotCacheable)]
    public void Without_explicit_freshness_only_heuristically_cacheable_statuses_are_stored_RFC9111_4_2_2(int status, Storability expected)
    {
        Assert.Equal(expected, Store("", status: status));
    }

    [Fact]
    public void Explicit_freshness_makes_other_statuses_storable_RFC9111_3()
    {
        Assert.Equal(Storability.Storable, Store("max-age=60", status: 302));
        Assert.Equal(Storability.Storable, Store("", status: 500, expires: true));
    }

    [Fact]
    public void Vary_star_is_not_stored_RFC9111_4_1()
    {
        Assert.Equal(Storability.VaryStar, Store("max-age=60", varyStar: true));
    }
}

public class FreshnessLifetimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static TimeSpan Lifetime(string cc, DateTimeOffset? expires = null, bool hasExpires = false, DateTimeOffset? lastModified = null,
        int status = 200, FreshnessDefaults? defaults = null) =>
        CachePolicy.FreshnessLifetime(status, CacheControlDirectives.Parse(cc), hasExpires || expires is not null, expires, Now, lastModified, Now, defaults ?? FreshnessDefaults.Rfc);

    [Fact]
    public void S_maxage_wins_over_max_age_and_Expires_in_a_shared_cache_RFC9111_4_2_1()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), Lifetime("max-age=100, s-maxage=5", expires: Now.AddHours(1)));
    }

    [Fact]
    public void Max_age_wins_over_Expires_RFC9111_5_3()
    {
        Assert.Equal(TimeSpan.FromSeconds(100), Lifetime("max-age=100", expires: Now.AddHours(1)));
    }

    [Fact]
    public void Expires_minus_Date_is_the_lifetime_RFC9111_4_2_1()
    {
        Assert.Equal(TimeSpan.FromMinutes(30), Lifetime("", expires: Now.AddMinutes(30)));
    }

    [Fact]
    public void Invalid_Expires_means_already_expired_RFC9111_5_3()
    {
        Assert.Equal(TimeSpan.Zero, Lifetime("", hasExpires: true));
    }

    [Fact]
    public void Heuristic_is_ten_percent_of_time_since_Last_Modified_capped_RFC9111_4_2_2()
    {
        Assert.Equal(TimeSpan.FromHours(1), Lifetime("", lastModified: Now.AddHours(-10)));
        Assert.Equal(TimeSpan.FromDays(1), Lifetime("", lastModified: Now.AddDays(-100)));
    }

    [Fact]
    public void Heuristic_does_not_apply_to_statuses_not_heuristically_cacheable_RFC9111_4_2_2()
    {
        Assert.Equal(TimeSpan.Zero, Lifetime("", lastModified: Now.AddHours(-10), status: 302));
    }

    [Fact]
    public void Customer_default_TTL_applies_without_freshness_information_and_overrides_when_origin_headers_are_ignored()
    {
        var honor = new FreshnessDefaults(TimeSpan.FromMinutes(5), true, TimeSpan.FromDays(1));
        var ignore = honor with { HonorOriginHeaders = false };

        Assert.Equal(TimeSpan.FromMinutes(5), Lifetime("", defaults: honor));
        Assert.Equal(TimeSpan.FromSeconds(60), Lifetime("max-age=60", defaults: honor));
        Assert.Equal(TimeSpan.FromMinutes(5), Lifetime("max-age=60", defaults: ignore));
    }
}

public class AgeAndDecisionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Current_age_adds_Age_response_delay_and_resident_time_RFC9111_4_2_3()
    {
        var timing = new ResponseTiming(T0, T0.AddSeconds(2), T0.AddSeconds(1), TimeSpan.FromSeconds(10));

        // corrected_initial_age = max(apparent 1s, 10s + 2s delay) = 12s; resident 30s.
        Assert.Equal(TimeSpan.FromSeconds(42), CachePolicy.CurrentAge(timing, T0.AddSeconds(32)));
    }

    [Fact]
    public void Apparent_age_counts_when_the_origin_clock_is_behind_RFC9111_4_2_3()
    {
        var timing = new ResponseTiming(T0, T0, T0.AddSeconds(-20), null);

        Assert.Equal(TimeSpan.FromSeconds(20), CachePolicy.CurrentAge(timing, T0));
    }

    private static ServeDecision Decide(double lifetime, double age, string response = "", string request = "", bool invalidated = false) =>
        CachePolicy.Decide(TimeSpan.FromSeconds(lifetime), TimeSpan.FromSeconds(age), CacheControlDirectives.Parse(response), CacheControlDirectives.Parse(request), invalidated);

    [Fact]
    public void Fresh_when_lifetime_exceeds_age_RFC9111_4_2()
    {
        Assert.Equal(ServeDecision.Fresh, Decide(60, 59));
        Assert.Equal(ServeDecision.Revalidate, Decide(60, 60));
    }

    [Fact]
    public void No_cache_in_response_or_request_forces_validation_RFC9111_5_2_2_4_and_5_2_1_4()
    {
        Assert.Equal(ServeDecision.Revalidate, Decide(60, 1, response: "no-cache"));
        Assert.Equal(ServeDecision.Revalidate, Decide(60, 1, request: "no-cache"));
    }

    [Fact]
    public void Request_max_age_and_min_fresh_limit_what_the_client_accepts_RFC9111_5_2_1_1_and_5_2_1_3()
    {
        Assert.Equal(ServeDecision.Revalidate, Decide(60, 10, request: "max-age=5"));
        Assert.Equal(ServeDecision.Revalidate, Decide(60, 50, request: "min-fresh=20"));
        Assert.Equal(ServeDecision.Fresh, Decide(60, 30, request: "min-fresh=20"));
    }

    [Fact]
    public void Max_stale_accepts_stale_unless_must_revalidate_RFC9111_5_2_1_2_and_5_2_2_2()
    {
        Assert.Equal(ServeDecision.Fresh, Decide(60, 70, request: "max-stale=20"));
        Assert.Equal(ServeDecision.Revalidate, Decide(60, 90, request: "max-stale=20"));
        Assert.Equal(ServeDecision.Revalidate, Decide(60, 70, response: "must-revalidate", request: "max-stale"));
    }

    [Fact]
    public void Stale_while_revalidate_window_RFC5861_3()
    {
        Assert.Equal(ServeDecision.StaleWhileRevalidate, Decide(60, 70, response: "stale-while-revalidate=30"));
        Assert.Equal(ServeDecision.Revalidate, Decide(60, 100, response: "stale-while-revalidate=30"));
        Assert.Equal(ServeDecision.Revalidate, Decide(60, 70, response: "s-maxage=60, stale-while-revalidate=30"));
    }

    [Fact]
    public void Invalidated_response_is_stale_even_inside_its_lifetime_RFC9111_4_4()
    {
        Assert.Equal(ServeDecision.Revalidate, Decide(600, 1, invalidated: true));
        Assert.Equal(ServeDecision.StaleWhileRevalidate, Decide(600, 1, response: "stale-while-revalidate=30", invalidated: true));
    }

    [Fact]
    public void Stale_if_error_window_from_response_or_request_RFC5861_4()
    {
        Assert.True(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(100), CacheControlDirectives.Parse("stale-if-error=60"), default));
        Assert.False(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(200), CacheControlDirectives.Parse("stale-if-error=60"), default));
        Assert.True(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(100), default, CacheControlDirectives.Parse("stale-if-error=60")));
        Assert.False(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(100), default, default));
        Assert.False(CachePolicy.CanServeStaleOnError(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(100), CacheControlDirectives.Parse("must-revalidate, stale-if-error=60"), default));
    }

    [Theory]
    [InlineData("POST", 200, true)]
    [InlineData("DELETE", 204, true)]
    [InlineData("PUT", 500, false)]
    [InlineData("GET", 200, false)]
    public void Unsafe_methods_invalidate_on_non_error_responses_RFC9111_4_4(string method, int status, bool expected)
    {
        Assert.Equal(expected, CachePolicy.InvalidatesOnResponse(method, status));
    }
}
