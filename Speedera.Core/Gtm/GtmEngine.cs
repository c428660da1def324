namespace Speedera.Core.Gtm;

/// <summary>Why the engine answered as it did (shown in the NOC view and in tests).</summary>
public enum GtmReason : byte
{
    /// <summary>The hostname has no candidate of the asked address family.</summary>
    NoCandidates,

    /// <summary>The client's prefix has a static mapping.</summary>
    StaticMapping,

    /// <summary>The client got this server before and the entry has not timed out.</summary>
    Persistence,

    /// <summary>Lowest latency from the client's group (ties broken by load, then weights).</summary>
    Latency,

    /// <summary>Latency is used but unknown for the client's group: a best guess by load; the group is queued for probing.</summary>
    LatencyUnknown,

    /// <summary>Lowest load (ties broken by weights).</summary>
    Load,

    /// <summary>Every visible candidate is down; a hidden failover candidate answered.</summary>
    HiddenFailover,

    /// <summary>Every candidate is down; answered from the visible ones anyway so resolution still works.</summary>
    AllDown,
}

/// <summary>What the engine chose: how many answers it wrote, why, whether the answer depends on the client, and when.</summary>
public readonly record struct GtmDecision(GtmReason Reason, int Count, bool DependsOnClient, DateTimeOffset DecidedAt);

/// <summary>Tolerances that decide when candidates are "comparable" and left to the weights.</summary>
public sealed record GtmEngineOptions
{
    /// <summary>Latencies within best × ratio + slack are comparable.</summary>
    public double LatencyToleranceRatio { get; init; } = 1.25;

    public TimeSpan LatencyToleranceSlack { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Loads within best × ratio + slack are comparable.</summary>
    public double LoadToleranceRatio { get; init; } = 1.5;

    public int LoadToleranceSlack { get; init; } = 20;

    /// <summary>How many addresses a dynamic answer carries.</summary>
    public int MaxAnswers { get; init; } = 1;
}

/// <summary>
/// The GTM decision (the patent's SPD): a function of the configuration, the metric tables, the client,
/// the persistence table, the clock and the random source. It writes the chosen candidates into a
/// caller-provided span and does not allocate once a client and group have been seen.
/// </summary>
public sealed class GtmEngine(
    IGtmMetricsView metrics,
    PersistenceTable persistence,
    ClientGroupTracker groups,
    TimeProvider timeProvider,
    IRandomSource random,
    GtmEngineOptions? options = null)
{
    private const int MaxCandidates = 64;
    private readonly GtmEngineOptions _options = options ?? new GtmEngineOptions();

    public TimeProvider TimeProvider => timeProvider;

    public ClientGroupTracker Groups => groups;

    public PersistenceTable Persistence => persistence;

    /// <summary>Chooses answers for <paramref name="plan"/> (A when <paramref name="v6"/> is false, AAAA otherwise).</summary>
    public GtmDecision Decide(HostnamePlan plan, bool v6, in GtmClient client, Span<CandidatePlan?> answers)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var all = plan.For(v6);
        if (all.Length == 0 || answers.IsEmpty)
        {
            return new(GtmReason.NoCandidates, 0, false, default);
        }

        var now = timeProvider.GetUtcNow();
        int n = Math.Min(all.Length, MaxCandidates);
        Span<bool> up = stackalloc bool[n];
        Span<int> load = stackalloc int[n];
        bool anyVisibleUp = false, anyHiddenUp = false;
        for (int i = 0; i < n; i++)
        {
            up[i] = IsUp(all[i], now, plan.MetricStaleAfter, out load[i]);
            if (up[i])
            {
                anyVisibleUp |= !all[i].Hidden;
                anyHiddenUp |= all[i].Hidden;
            }
        }

        if (plan.StaticMappings.Length > 0)
        {
            int count = TryStaticMapping(plan, all.AsSpan(0, n), up, in client, answers);
            if (count > 0)
            {
                return new(GtmReason.StaticMapping, count, true, now);
            }
        }

        // Hidden failover candidates join only when every visible one is down.
        bool hiddenPool = !anyVisibleUp && anyHiddenUp;
        Span<int> pool = stackalloc int[n];
        int poolCount = 0;
        for (int i = 0; i < n; i++)
        {
            if (up[i] && all[i].Hidden == hiddenPool)
            {
                pool[poolCount++] = i;
            }
        }

        if (poolCount == 0)
        {
            // Everything is down: "the load balancing will not be optimal but ... will still function".
            for (int i = 0; i < n; i++)
            {
                if (!all[i].Hidden)
                {
                    pool[poolCount++] = i;
                }
            }

            int picked = PickWeighted(all, pool[..poolCount], answers);
            return new(GtmReason.AllDown, picked, false, now);
        }

        var persistenceSettings = plan.Source.Persistence;
        PersistenceKey persistenceKey = default;
        if (persistenceSettings.Enabled)
        {
            persistenceKey = new PersistenceKey(plan.Name, client.PersistenceKey, v6);
            if (persistence.TryGet(persistenceKey, now, persistenceSettings.AccessTimeout, persistenceSettings.RefreshTimeout, out var serverId))
            {
                foreach (int i in pool[..poolCount])
                {
                    if (string.Equals(all[i].ServerId, serverId, StringComparison.Ordinal))
                    {
                        answers[0] = all[i];
                        return new(GtmReason.Persistence, 1, true, now);
                    }
                }
            }
        }

        var reason = hiddenPool ? GtmReason.HiddenFailover : GtmReason.Load;
        bool dependsOnClient = persistenceSettings.Enabled;
        if (plan.Source.UseLatency && poolCount > 1)
        {
            poolCount = NarrowByLatency(all, pool[..poolCount], in client, now, plan.LatencyStaleAfter, out bool known);
            dependsOnClient = true;
            if (!hiddenPool)
            {
                reason = known ? GtmReason.Latency : GtmReason.LatencyUnknown;
            }
        }
        else if (plan.Source.UseLatency)
        {
            groups.Record(client.Group, client.Location, needsLatency: false, now);
        }

        poolCount = NarrowByLoad(pool[..poolCount], load);
        int chosen = PickWeighted(all, pool[..poolCount], answers);
        if (persistenceSettings.Enabled && chosen > 0)
        {
            persistence.Set(persistenceKey, answers[0]!.ServerId, now);
        }

        return new(reason, chosen, dependsOnClient, now);
    }

    private bool IsUp(CandidatePlan candidate, DateTimeOffset now, TimeSpan staleAfter, out int load)
    {
        // NOLOAD: "a static load value of 1 and its time stamp is always current".
        if (candidate.IsNoLoad)
        {
            load = 1;
            return true;
        }

        load = int.MaxValue;
        if (!candidate.IsKnownService || !metrics.TryGetServiceMetric(candidate.Key, out var metric))
        {
            return false;
        }

        // A failed test, or no news for longer than the staleness threshold (a whole POP gone), is down.
        if (metric.Failed || now - metric.MeasuredAt > staleAfter)
        {
            return false;
        }

        load = Math.Max(metric.Value, 0);
        return true;
    }

    private static int TryStaticMapping(HostnamePlan plan, ReadOnlySpan<CandidatePlan> all, ReadOnlySpan<bool> up, in GtmClient client, Span<CandidatePlan?> answers)
    {
        var location = client.Location;
        int bits = client.LocationBits;
        foreach (var mapping in plan.StaticMappings)
        {
            if (!mapping.Prefix.Contains(location, bits))
            {
                continue;
            }

            // Mapped servers that are up; if none of them is, all mapped servers (still "always").
            for (int pass = 0; pass < 2; pass++)
            {
                int count = 0;
                for (int i = 0; i < all.Length && count < answers.Length; i++)
                {
                    if ((pass == 1 || up[i]) && Array.IndexOf(mapping.ServerIds, all[i].ServerId) >= 0)
                    {
                        answers[count++] = all[i];
                    }
                }

                if (count > 0)
                {
                    return count;
                }
            }
        }

        return 0;
    }

    private int NarrowByLatency(CandidatePlan[] all, Span<int> pool, in GtmClient client, DateTimeOffset now, TimeSpan latencyStaleAfter, out bool known)
    {
        var group = client.Group;
        Span<long> rtt = stackalloc long[pool.Length];
        long best = long.MaxValue;
        bool needsProbe = false;
        for (int k = 0; k < pool.Length; k++)
        {
            if (metrics.TryGetLatency(group, all[pool[k]].PopId, out var latency))
            {
                rtt[k] = latency.RoundTrip.Ticks;
                best = Math.Min(best, rtt[k]);
                // Stale latency is better than none; it is used and the group is queued for a fresh one.
                needsProbe |= latencyStaleAfter > TimeSpan.Zero && now - latency.MeasuredAt > latencyStaleAfter;
            }
            else
            {
                rtt[k] = long.MaxValue;
                needsProbe = true;
            }
        }

        known = best != long.MaxValue;
        groups.Record(group, client.Location, needsProbe, now);
        if (!known)
        {
            return pool.Length;
        }

        long limit = (long)(best * _options.LatencyToleranceRatio) + _options.LatencyToleranceSlack.Ticks;
        int kept = 0;
        for (int k = 0; k < pool.Length; k++)
        {
            if (rtt[k] <= limit)
            {
                pool[kept++] = pool[k];
            }
        }

        return kept;
    }

    private int NarrowByLoad(Span<int> pool, ReadOnlySpan<int> load)
    {
        int best = int.MaxValue;
        foreach (int i in pool)
        {
            best = Math.Min(best, load[i]);
        }

        long limit = (long)(best * _options.LoadToleranceRatio) + _options.LoadToleranceSlack;
        int kept = 0;
        for (int k = 0; k < pool.Length; k++)
        {
            if (load[pool[k]] <= limit)
            {
                pool[kept++] = pool[k];
            }
        }

        return kept;
    }

    /// <summary>Weighted random without replacement; all-zero weights count as equal.</summary>
    private int PickWeighted(CandidatePlan[] all, Span<int> pool, Span<CandidatePlan?> answers)
    {
        int want = Math.Min(Math.Min(_options.MaxAnswers, answers.Length), pool.Length);
        int remaining = pool.Length;
        for (int a = 0; a < want; a++)
        {
            long total = 0;
            for (int k = 0; k < remaining; k++)
            {
                total += Math.Max(all[pool[k]].Weight, 0);
            }

            int pick;
            if (total == 0)
            {
                pick = (int)random.NextInt64(remaining);
            }
            else
            {
                long ticket = random.NextInt64(total);
                pick = 0;
                for (; pick < remaining - 1; pick++)
                {
                    ticket -= all[pool[pick]].Weight;
                    if (ticket < 0)
                    {
                        break;
                    }
                }
            }

            answers[a] = all[pool[pick]];
            pool[pick] = pool[remaining - 1];
            remaining--;
        }

        return want;
    }
}
