using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Speedera.Tests.Support;
using Speedera.Web.Features.Account;
using Speedera.Web.Hosting;

namespace Speedera.Tests.Unit.Portal;

/// <summary>The failure limiter, the unknown-account lockout and the form replay guard, on a manual clock.</summary>
public sealed class AbuseLimitUnitTests
{
    private readonly FakeTimeProvider clock = new(TestClock.Start);

    [Fact]
    public void Address_is_limited_after_the_allowed_failures_until_its_window_ends()
    {
        var limiter = Limiter(perWindow: 3, window: TimeSpan.FromMinutes(1));
        var client = IPAddress.Parse("198.51.100.7");

        for (var i = 0; i < 3; i++)
        {
            Assert.False(limiter.IsLimited(client, out _));
            limiter.RecordFailure(client);
        }

        Assert.True(limiter.IsLimited(client, out var retryAfter));
        Assert.Equal(TimeSpan.FromMinutes(1), retryAfter);
        Assert.False(limiter.IsLimited(IPAddress.Parse("198.51.100.8"), out _));

        clock.Advance(TimeSpan.FromSeconds(45));
        Assert.True(limiter.IsLimited(client, out retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(15), retryAfter);

        clock.Advance(TimeSpan.FromSeconds(15));
        Assert.False(limiter.IsLimited(client, out _));
        limiter.RecordFailure(client);
        Assert.False(limiter.IsLimited(client, out _));
    }

    [Theory]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("::ffff:198.51.100.7", "198.51.100.7", true)]
    [InlineData("198.51.100.7", "198.51.100.9", false)]
    public void Ipv6_clients_count_per_64_and_mapped_ipv4_as_ipv4(string first, string second, bool same)
    {
        Assert.Equal(same, AuthenticationFailureLimiter.Key(IPAddress.Parse(first)) == AuthenticationFailureLimiter.Key(IPAddress.Parse(second)));
    }

    [Fact]
    public void Limiter_keeps_at_most_the_configured_number_of_addresses()
    {
        var limiter = Limiter(perWindow: 1, window: TimeSpan.FromMinutes(1), maxTracked: 100);
        for (var i = 0; i < 1000; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            limiter.RecordFailure(new IPAddress([198, 18, (byte)(i >> 8), (byte)i]));
        }

        // The newest address is still limited; the oldest were dropped to stay within the bound.
        Assert.True(limiter.IsLimited(new IPAddress([198, 18, 999 >> 8, 999 & 0xff]), out _));
        Assert.False(limiter.IsLimited(new IPAddress([198, 18, 0, 0]), out _));
    }

    [Fact]
    public void Unknown_account_locks_after_as_many_failures_as_a_real_one_and_unlocks_after_the_same_time()
    {
        var identity = new IdentityOptions();
        identity.Lockout.MaxFailedAccessAttempts = 5;
        identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
        var tracker = new FailedLoginTracker(Options.Create(identity), clock);

        for (var i = 0; i < 4; i++)
        {
            Assert.False(tracker.RecordFailure("Nobody@Example.test"));
        }

        Assert.False(tracker.IsLockedOut("nobody@example.test"));
        Assert.True(tracker.RecordFailure(" nobody@example.test "));
        Assert.True(tracker.IsLockedOut("NOBODY@EXAMPLE.TEST"));

        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.False(tracker.IsLockedOut("nobody@example.test"));
    }

    [Fact]
    public void Form_token_is_accepted_once_per_scope_and_never_when_missing()
    {
        var guard = new FormReplayGuard(clock);
        var token = FormReplayGuard.NewToken();

        Assert.True(guard.TryUse("org-a:purge", token));
        Assert.False(guard.TryUse("org-a:purge", token));
        Assert.True(guard.TryUse("org-b:purge", token));
        Assert.False(guard.TryUse("org-a:purge", null));
        Assert.False(guard.TryUse("org-a:purge", ""));
        Assert.NotEqual(token, FormReplayGuard.NewToken());
    }

    private AuthenticationFailureLimiter Limiter(int perWindow, TimeSpan window, int maxTracked = 100_000) =>
        new(Options.Create(new AbuseLimitOptions { FailedAuthenticationsPerWindow = perWindow, FailedAuthenticationWindow = window, MaxTrackedAddresses = maxTracked }), clock);
}
