using System.Collections.Concurrent;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Account;

/// <summary>
/// Failed sign-ins for e-mail addresses that have no account, counted and locked exactly as Identity
/// does for real accounts, so the login and lockout answers do not tell whether an account exists.
/// In memory: a restart forgets them, as it would not for real accounts, which only shortens a lockout.
/// </summary>
public sealed class FailedLoginTracker(IOptions<IdentityOptions> identity, TimeProvider time)
{
    private const int MaxTracked = 100_000;

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private string? dummyHash;

    public bool IsLockedOut(string email) =>
        entries.TryGetValue(Normalize(email), out var entry) && entry.LockedUntil is { } until && until > time.GetUtcNow();

    /// <summary>Counts a failure; true when it locks the address, as Identity's lockout would.</summary>
    public bool RecordFailure(string email)
    {
        if (entries.Count >= MaxTracked)
        {
            Prune();
        }

        var lockout = identity.Value.Lockout;
        var now = time.GetUtcNow();
        var entry = entries.GetOrAdd(Normalize(email), _ => new Entry());
        lock (entry)
        {
            entry.Touched = now;
            if (entry.LockedUntil is { } until && until <= now)
            {
                entry.LockedUntil = null;
            }

            if (++entry.Failures < lockout.MaxFailedAccessAttempts)
            {
                return false;
            }

            entry.Failures = 0;
            entry.LockedUntil = now + lockout.DefaultLockoutTimeSpan;
            return true;
        }
    }

    /// <summary>Hashes the password as a real check would, so an unknown address does not answer faster.</summary>
    public void SpendPasswordCheck(IPasswordHasher<ApplicationUser> hasher, string password)
    {
        var user = new ApplicationUser();
        dummyHash ??= hasher.HashPassword(user, Guid.NewGuid().ToString("N"));
        hasher.VerifyHashedPassword(user, dummyHash, password);
    }

    private static string Normalize(string email) => email.Trim().ToUpperInvariant();

    private void Prune()
    {
        var stale = time.GetUtcNow() - identity.Value.Lockout.DefaultLockoutTimeSpan;
        foreach (var (key, entry) in entries)
        {
            if (entry.Touched < stale)
            {
                entries.TryRemove(key, out _);
            }
        }

        var excess = entries.Count - (MaxTracked * 3 / 4);
        if (excess > 0)
        {
            foreach (var (key, _) in entries.OrderBy(e => e.Value.Touched).Take(excess).ToList())
            {
                entries.TryRemove(key, out _);
            }
        }
    }

    private sealed class Entry
    {
        public int Failures { get; set; }

        public DateTimeOffset? LockedUntil { get; set; }

        public DateTimeOffset Touched { get; set; }
    }
}
