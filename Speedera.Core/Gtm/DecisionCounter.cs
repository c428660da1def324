using System.Collections.Concurrent;

namespace Speedera.Core.Gtm;

/// <summary>
/// How many times a hostname was answered with an address (of a POP) in one UTC minute, and why
/// (<see cref="Reason"/> is null in rows from nodes that predate reasons).
/// </summary>
public sealed record DecisionCountRow(DateTimeOffset Minute, string Hostname, string Address, string PopId, long Count, GtmReason? Reason = null);

/// <summary>
/// Counts decisions per minute and reason for the GTM graphs. Counting an already-seen (minute, candidate,
/// reason) does not allocate. <see cref="Drain"/> hands out only minutes that ended at least <see cref="Grace"/>
/// ago, so an increment racing the minute boundary is never lost; each row is handed out once.
/// </summary>
public sealed class DecisionCounter(TimeProvider timeProvider)
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<(long Minute, CandidatePlan Candidate, GtmReason Reason), StripedCounter> _counts = new();

    /// <summary>Who asked, per hostname and minute: drained beside the decisions and uploaded as its own kind.</summary>
    public ClientGroupCounter Clients { get; } = new(timeProvider);

    public void Count(CandidatePlan candidate, GtmReason reason, DateTimeOffset now)
    {
        long minute = now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute);
        var key = (minute, candidate, reason);
        if (!_counts.TryGetValue(key, out var counter))
        {
            counter = _counts.GetOrAdd(key, static _ => new StripedCounter());
        }

        counter.Increment();
    }

    /// <summary>Removes and returns completed minutes; <paramref name="includeCurrent"/> flushes everything (shutdown).</summary>
    public IReadOnlyList<DecisionCountRow> Drain(bool includeCurrent = false)
    {
        long cutoff = includeCurrent ? long.MaxValue : (timeProvider.GetUtcNow() - Grace).UtcTicks;
        var rows = new Dictionary<(long, string, string, string, GtmReason), long>();
        foreach (var (key, _) in _counts)
        {
            if (key.Minute + TimeSpan.TicksPerMinute > cutoff)
            {
                continue;
            }

            if (_counts.TryRemove(key, out var counter))
            {
                // Several config versions may hold equal candidates: merge them by their names.
                var rowKey = (key.Minute, key.Candidate.Hostname, key.Candidate.Address, key.Candidate.PopId, key.Reason);
                rows[rowKey] = rows.GetValueOrDefault(rowKey) + counter.Value;
            }
        }

        return [.. rows
            .Select(r => new DecisionCountRow(new DateTimeOffset(r.Key.Item1, TimeSpan.Zero), r.Key.Item2, r.Key.Item3, r.Key.Item4, r.Value, r.Key.Item5))
            .OrderBy(r => r.Minute).ThenBy(r => r.Hostname, StringComparer.Ordinal).ThenBy(r => r.Address, StringComparer.Ordinal).ThenBy(r => r.Reason)];
    }
}
