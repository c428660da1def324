using Speedera.Core.Geo;

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

    /// <summary>The client's region rule (or the default region) chose the answer's first target.</summary>
    Region,

    /// <summary>The region's first targets were down: a later target of the same rule answered.</summary>
    RegionFailover,

    /// <summary>Every target of the client's region was down: the nearest healthy POP answered.</summary>
    RegionNearest,

    /// <summary>The nearest POP by great-circle distance from the client, after each POP's bias.</summary>
    Geoproximity,
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
    GtmEngineOptions? options = null,
    GeoDataHolder? geo = null)
{
    private const int MaxCandidates = 64;
    private readonly GtmEngineOptions _options = options ?? new GtmEngineOptions();

    public TimeProvider TimeProvider => timeProvider;

    public ClientGroupTracker Groups => groups;

    public PersistenceTable Persistence => persistence;

    /// <summary>The geo data region rules and geoproximity use; without data they are skipped.</summary>
    public GeoDataHolder Geo { get; } = geo ?? new GeoDataHolder();

    /// <summary>Chooses answers for <paramref name="plan"/> (A when <paramref name="v6"/> is false, AAAA otherwise).</summary>
    public GtmDecision Decide(HostnamePlan plan, bool v6, in GtmClient client, Span<CandidatePlan?> answers) =>
        Decide(plan, v6, in client, answers, null);

    /// <summary>Same decision, with every step written to <paramref name="trace"/> when it is not null (the explainer).</summary>
    public GtmDecision Decide(HostnamePlan plan, bool v6, in GtmClient client, Span<CandidatePlan?> answers, GtmTrace? trace)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var all = plan.For(v6);
        if (all.Length == 0 || answers.IsEmpty)
        {
            trace?.Add($"No {(v6 ? "IPv6" : "IPv4")} candidates: no answer.");
            return new(GtmReason.NoCandidates, 0, false, default);
        }

        var now = timeProvider.GetUtcNow();
        int n = Math.Min(all.Length, MaxCandidates);
        Span<bool> up = stackalloc bool[n];
        Span<int> load = stackalloc int[n];
        for (int i = 0; i < n; i++)
        {
            up[i] = IsUp(all[i], now, plan.MetricStaleAfter, out load[i]);
            if (trace is not null)
            {
                trace.Add($"Candidate {all[i].Address} (server {all[i].ServerId}, POP {all[i].PopId}{(all[i].Hidden ? ", hidden failover" : "")}, weight {all[i].Weight}): {DescribeHealth(all[i], now, plan.MetricStaleAfter)}.");
            }
        }

        if (plan.StaticMappings.Length > 0)
        {
            int count = TryStaticMapping(plan, all.AsSpan(0, n), up, in client, answers);
            if (count > 0)
            {
                trace?.Add($"The client {client.Location}/{client.LocationBits} has a static mapping: {answers[0]!.Address}.");
                return new(GtmReason.StaticMapping, count, true, now);
            }
        }

        // Region rules and geoproximity narrow which candidates may answer; the rest of the engine picks among them.
        Span<bool> allowed = stackalloc bool[n];
        allowed.Fill(true);
        GtmReason? regionReason = null;
        if (plan.Regions is { } regions)
        {
            regionReason = ApplyRegions(regions, plan.Source.UseLatency, all, up, in client, allowed, trace);
        }

        bool anyVisibleUp = false, anyHiddenUp = false;
        for (int i = 0; i < n; i++)
        {
            if (up[i] && allowed[i])
            {
                anyVisibleUp |= !all[i].Hidden;
                anyHiddenUp |= all[i].Hidden;
            }
        }

        // Hidden failover candidates join only when every visible one is down.
        bool hiddenPool = !anyVisibleUp && anyHiddenUp;
        Span<int> pool = stackalloc int[n];
        int poolCount = 0;
        for (int i = 0; i < n; i++)
        {
            if (up[i] && allowed[i] && all[i].Hidden == hiddenPool)
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
            trace?.Add($"Every candidate is down: answered {answers[0]?.Address} from the visible ones by weight so resolution still works.");
            return new(GtmReason.AllDown, picked, false, now);
        }

        if (hiddenPool)
        {
            trace?.Add("Every visible candidate is down: the hidden failover candidates answer.");
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
                        trace?.Add($"Persistence: this client got server {serverId} before and it is still allowed and up: {all[i].Address}.");
                        return new(GtmReason.Persistence, 1, true, now);
                    }
                }

                trace?.Add($"Persistence: the remembered server {serverId} is down or not allowed now; choosing again.");
            }
        }

        var reason = hiddenPool ? GtmReason.HiddenFailover : GtmReason.Load;
        bool dependsOnClient = persistenceSettings.Enabled || regionReason is not null;
        if (plan.Source.UseLatency && poolCount > 1)
        {
            poolCount = NarrowByLatency(all, pool[..poolCount], in client, now, plan.LatencyStaleAfter, out bool known, trace);
            dependsOnClient = true;
            if (!known && poolCount > 1)
            {
                // The patent's best guess for an unknown client group: the nearest POP, until a probe measures it.
                poolCount = NarrowByDistance(plan.Regions, all, pool[..poolCount], in client, trace, "Best guess (latency unknown)");
            }

            if (!hiddenPool)
            {
                reason = known ? GtmReason.Latency : GtmReason.LatencyUnknown;
            }
        }
        else if (plan.Source.UseLatency)
        {
            groups.Record(client.Group, client.Location, needsLatency: false, now);
        }

        poolCount = NarrowByLoad(pool[..poolCount], load, all, trace);
        int chosen = PickWeighted(all, pool[..poolCount], answers);
        if (persistenceSettings.Enabled && chosen > 0)
        {
            persistence.Set(persistenceKey, answers[0]!.ServerId, now);
        }

        if (regionReason is { } r && !hiddenPool && reason is not GtmReason.Latency)
        {
            reason = r;
        }

        trace?.Add(poolCount > 1
            ? $"Weights picked {answers[0]?.Address} among {poolCount} comparable candidates."
            : $"Answer: {answers[0]?.Address}.");
        return new(reason, chosen, dependsOnClient, now);
    }

    private GtmReason? ApplyRegions(RegionPlan regions, bool useLatency, CandidatePlan[] all, ReadOnlySpan<bool> up, in GtmClient client, Span<bool> allowed, GtmTrace? trace)
    {
        var db = Geo.Current;
        if (db is null)
        {
            trace?.Add($"Region rules skipped: this node has no geo data ({Geo.MissingReason}).");
            return null;
        }

        var c = db.Country(db.Lookup(client.Location));
        if (trace is not null)
        {
            trace.ClientCountry = c.Code;
            trace.ClientContinent = c.Continent;
            trace.Add(c.Code.Length == 0
                ? $"The client {client.Location} ({(client.UsesSubnet ? "client subnet" : "resolver address")}) is not in the geo data."
                : $"The client {client.Location} ({(client.UsesSubnet ? "client subnet" : "resolver address")}) is in {c.Name} ({c.Code}, continent {c.Continent}).");
        }

        int n = allowed.Length;
        var rule = regions.HasRules || regions.Default is not null ? regions.Match(c) : null;
        if (rule is not null)
        {
            for (int t = 0; t < rule.Targets.Length; t++)
            {
                var target = rule.Targets[t];
                bool any = false;
                for (int i = 0; i < n; i++)
                {
                    allowed[i] = target.Matches(all[i]);
                    any |= allowed[i] && up[i];
                }

                if (any)
                {
                    trace?.Add(t == 0
                        ? $"Region rule {rule.Label}: its first target {target} is up."
                        : $"Region rule {rule.Label}: earlier targets are down; failover to target {t + 1}, {target}.");
                    return t == 0 ? GtmReason.Region : GtmReason.RegionFailover;
                }

                trace?.Add($"Region rule {rule.Label}: target {target} has no healthy candidate.");
            }

            allowed.Fill(true);
            if (PickNearestPop(regions, all, up, c, allowed, trace, "Every target of the region is down; nearest healthy POP"))
            {
                return GtmReason.RegionNearest;
            }

            allowed.Fill(true);
            trace?.Add("No location to measure from: the rest of the engine chooses among all candidates.");
            return GtmReason.RegionNearest;
        }

        if (regions.HasRules)
        {
            trace?.Add("No region rule covers the client and there is no default: all candidates.");
        }

        // With latency on, geoproximity is only the best guess for clients whose latency is not measured yet.
        if (regions.GeoproximityEnabled && !useLatency && PickNearestPop(regions, all, up, c, allowed, trace, "Geoproximity"))
        {
            return GtmReason.Geoproximity;
        }

        allowed.Fill(true);
        return null;
    }

    /// <summary>Allows only the healthy candidates of the POP with the smallest biased distance to the client's country.</summary>
    private static bool PickNearestPop(RegionPlan regions, CandidatePlan[] all, ReadOnlySpan<bool> up, GeoCountry country, Span<bool> allowed, GtmTrace? trace, string what)
    {
        if (!country.HasCoordinates)
        {
            return false;
        }

        int best = -1;
        double bestDistance = double.MaxValue;
        for (int i = 0; i < allowed.Length; i++)
        {
            var c = all[i];
            if (!up[i] || double.IsNaN(c.PopLatitude))
            {
                continue;
            }

            double d = GeoDistance.Biased(GeoDistance.Kilometres(country.Latitude, country.Longitude, c.PopLatitude, c.PopLongitude), regions.BiasOf(c.PopId));
            if (d < bestDistance)
            {
                bestDistance = d;
                best = i;
            }
        }

        if (best < 0)
        {
            return false;
        }

        var pop = all[best].PopId;
        for (int i = 0; i < allowed.Length; i++)
        {
            allowed[i] = string.Equals(all[i].PopId, pop, StringComparison.Ordinal);
        }

        trace?.Add($"{what}: POP {pop}, {bestDistance:F0} km from {country.Code} after its bias of {regions.BiasOf(pop)}.");
        return true;
    }

    private int NarrowByDistance(RegionPlan? regions, CandidatePlan[] all, Span<int> pool, in GtmClient client, GtmTrace? trace, string what)
    {
        var db = Geo.Current;
        if (db is null)
        {
            return pool.Length;
        }

        var country = db.Country(db.Lookup(client.Location));
        if (!country.HasCoordinates)
        {
            return pool.Length;
        }

        double best = double.MaxValue;
        string? bestPop = null;
        foreach (int i in pool)
        {
            var c = all[i];
            if (double.IsNaN(c.PopLatitude))
            {
                continue;
            }

            double d = GeoDistance.Biased(GeoDistance.Kilometres(country.Latitude, country.Longitude, c.PopLatitude, c.PopLongitude), regions?.BiasOf(c.PopId) ?? 0);
            if (d < best)
            {
                best = d;
                bestPop = c.PopId;
            }
        }

        if (bestPop is null)
        {
            return pool.Length;
        }

        int kept = 0;
        for (int k = 0; k < pool.Length; k++)
        {
            if (string.Equals(all[pool[k]].PopId, bestPop, StringComparison.Ordinal))
            {
                pool[kept++] = pool[k];
            }
        }

        trace?.Add($"{what}: POP {bestPop}, nearest to {country.Code} ({best:F0} km after bias).");
        return kept;
    }

    private string DescribeHealth(CandidatePlan candidate, DateTimeOffset now, TimeSpan staleAfter)
    {
        if (candidate.IsNoLoad)
        {
            return "up (NOLOAD: never tested)";
        }

        if (!candidate.IsKnownService)
        {
            return "down (the server does not declare the service, so nothing measures it)";
        }

        if (!metrics.TryGetServiceMetric(candidate.Key, out var metric))
        {
            return "down (no probe result yet)";
        }

        var age = now - metric.MeasuredAt;
        if (metric.Failed)
        {
            return $"down (the last probe {age.TotalSeconds:F0} s ago failed: {metric.Error})";
        }

        return age > staleAfter
            ? $"down (the last probe result is {age.TotalSeconds:F0} s old, stale after {staleAfter.TotalSeconds:F0} s)"
            : $"up (load {metric.Value}, measured {age.TotalSeconds:F0} s ago)";
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

    private int NarrowByLatency(CandidatePlan[] all, Span<int> pool, in GtmClient client, DateTimeOffset now, TimeSpan latencyStaleAfter, out bool known, GtmTrace? trace)
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
            trace?.Add($"Latency from client group {group} is not measured yet (queued for probing).");
            return pool.Length;
        }

        long limit = (long)(best * _options.LatencyToleranceRatio) + _options.LatencyToleranceSlack.Ticks;
        int kept = 0;
        for (int k = 0; k < pool.Length; k++)
        {
            if (trace is not null)
            {
                trace.Add(rtt[k] == long.MaxValue
                    ? $"Latency from {group} to POP {all[pool[k]].PopId}: unknown."
                    : $"Latency from {group} to POP {all[pool[k]].PopId}: {TimeSpan.FromTicks(rtt[k]).TotalMilliseconds:F1} ms{(rtt[k] <= limit ? "" : " (too slow, dropped)")}.");
            }

            if (rtt[k] <= limit)
            {
                pool[kept++] = pool[k];
            }
        }

        return kept;
    }

    private int NarrowByLoad(Span<int> pool, ReadOnlySpan<int> load, CandidatePlan[] all, GtmTrace? trace)
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
            else
            {
                trace?.Add($"Load: {all[pool[k]].Address} at {load[pool[k]]} is well above the best {best}; dropped.");
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
