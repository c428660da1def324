using Speedera.Core.Geo;
using Speedera.Core.Probes;

namespace Speedera.Core.Gtm;

/// <summary>A client group seen by the dns nodes and how many queries it sent (the what-if input).</summary>
public sealed record SimulatedClient(ClientGroup Subnet, ClientAddress Resolver, long Queries);

/// <summary>What one client group would be answered, before and after.</summary>
public sealed record ClientChange(string Subnet, string Resolver, long Queries, string? Before, string? BeforePop, string BeforeReason, string? After, string? AfterPop, string AfterReason);

/// <summary>Queries per answer (an address, or a POP) before and after.</summary>
public sealed record AnswerShare(string Key, long Before, long After);

/// <summary>The clients of one country (by the geo data): their queries, how many move, and the POP most of them get before and after.</summary>
public sealed record CountryShift(string Country, long Queries, long MovedQueries, string? BeforePop, string? AfterPop);

public sealed record WhatIfResult(
    string Hostname,
    long Clients,
    long Queries,
    IReadOnlyList<AnswerShare> Addresses,
    IReadOnlyList<AnswerShare> Pops,
    IReadOnlyList<ClientChange> Changed,
    long ChangedQueries,
    IReadOnlyList<CountryShift>? Countries = null);

/// <summary>One explained decision: where the client is, every step, the answer, and whose metric tables it used (<see cref="Source"/>).</summary>
public sealed record GtmExplanation(
    string Hostname,
    string Client,
    string? Country,
    string? Continent,
    string Reason,
    IReadOnlyList<string> Answers,
    IReadOnlyList<string> Steps,
    string? Source = null);

/// <summary>
/// Runs the dns node's engine (<see cref="GtmEngine"/>, the same code) off the hot path: the what-if
/// simulation over real client groups and the step-by-step explainer. Each client gets a fresh
/// engine seeded from its subnet, so "before" and "after" differ only where the change makes them.
/// </summary>
public static class GtmSimulator
{
    public static WhatIfResult WhatIf(
        GtmConfiguration before,
        IGtmMetricsView beforeMetrics,
        GtmConfiguration after,
        IGtmMetricsView afterMetrics,
        string hostname,
        IReadOnlyList<SimulatedClient> clients,
        GeoDataHolder geo,
        TimeProvider time,
        bool v6 = false)
    {
        ArgumentNullException.ThrowIfNull(clients);
        var name = hostname.TrimEnd('.').ToLowerInvariant();
        before.TryGetHostname(name, out var beforePlan);
        after.TryGetHostname(name, out var afterPlan);
        var addresses = new Dictionary<string, (long Before, long After)>(StringComparer.Ordinal);
        var pops = new Dictionary<string, (long Before, long After)>(StringComparer.Ordinal);
        var changed = new List<ClientChange>();
        var countries = new Dictionary<string, CountryTally>(StringComparer.Ordinal);
        var data = geo.Current;
        long queries = 0, changedQueries = 0;
        foreach (var c in clients)
        {
            var client = new GtmClient(c.Resolver, true, new ClientAddress(c.Subnet.IsV6, c.Subnet.Prefix), c.Subnet.Length);
            var b = Decide(beforePlan, beforeMetrics, in client, v6, geo, time, null);
            var a = Decide(afterPlan, afterMetrics, in client, v6, geo, time, null);
            queries += c.Queries;
            Add(addresses, b.Answer?.Address, c.Queries, true);
            Add(addresses, a.Answer?.Address, c.Queries, false);
            Add(pops, b.Answer?.PopId, c.Queries, true);
            Add(pops, a.Answer?.PopId, c.Queries, false);
            var moved = !string.Equals(b.Answer?.Address, a.Answer?.Address, StringComparison.Ordinal);
            if (data is not null && data.Lookup(client.Location) is { IsKnown: true } location)
            {
                var code = data.Country(location).Code;
                if (!countries.TryGetValue(code, out var row))
                {
                    countries[code] = row = new CountryTally();
                }

                row.Add(b.Answer?.PopId, a.Answer?.PopId, c.Queries, moved);
            }

            if (moved)
            {
                changedQueries += c.Queries;
                changed.Add(new ClientChange(c.Subnet.ToString(), c.Resolver.ToString(), c.Queries,
                    b.Answer?.Address, b.Answer?.PopId, b.Reason.ToString(), a.Answer?.Address, a.Answer?.PopId, a.Reason.ToString()));
            }
        }

        return new WhatIfResult(
            name,
            clients.Count,
            queries,
            [.. addresses.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new AnswerShare(kv.Key, kv.Value.Before, kv.Value.After))],
            [.. pops.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new AnswerShare(kv.Key, kv.Value.Before, kv.Value.After))],
            [.. changed.OrderByDescending(x => x.Queries).ThenBy(x => x.Subnet, StringComparer.Ordinal)],
            changedQueries,
            [.. countries.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new CountryShift(kv.Key, kv.Value.Queries, kv.Value.Moved, Main(kv.Value.Before), Main(kv.Value.After)))]);
    }

    public static GtmExplanation Explain(GtmConfiguration configuration, IGtmMetricsView metrics, string hostname, in GtmClient client, GeoDataHolder geo, TimeProvider time, bool v6 = false)
    {
        var name = hostname.TrimEnd('.').ToLowerInvariant();
        var trace = new GtmTrace();
        if (!configuration.TryGetHostname(name, out var plan))
        {
            return new GtmExplanation(name, Describe(in client), null, null, "NotFound", [], [$"{name} is not a GTM hostname of the published configuration."]);
        }

        trace.Add($"Configuration version {configuration.Source.Version}; {(v6 ? "AAAA" : "A")} query from {Describe(in client)}.");
        var answers = new CandidatePlan?[8];
        var engine = NewEngine(metrics, geo, time, client);
        var decision = engine.Decide(plan, v6, in client, answers, trace);
        return new GtmExplanation(
            name,
            Describe(in client),
            string.IsNullOrEmpty(trace.ClientCountry) ? null : trace.ClientCountry,
            string.IsNullOrEmpty(trace.ClientContinent) ? null : trace.ClientContinent,
            decision.Reason.ToString(),
            [.. answers.Take(decision.Count).Select(a => a!.Address)],
            trace.Steps);
    }

    /// <summary>Service metrics as a scenario sees them: the named servers (or every server of the named POPs) failed.</summary>
    public static IGtmMetricsView WithFailures(IGtmMetricsView inner, GtmConfiguration configuration, IReadOnlyCollection<string> failedServerIds, IReadOnlyCollection<string> failedPopIds, DateTimeOffset now)
    {
        var failed = new HashSet<string>(failedServerIds, StringComparer.Ordinal);
        foreach (var server in configuration.Source.Servers)
        {
            if (failedPopIds.Contains(server.PopId))
            {
                failed.Add(server.Id);
            }
        }

        return failed.Count == 0 ? inner : new FailingMetrics(inner, failed, now);
    }

    private static (CandidatePlan? Answer, GtmReason Reason) Decide(HostnamePlan? plan, IGtmMetricsView metrics, in GtmClient client, bool v6, GeoDataHolder geo, TimeProvider time, GtmTrace? trace)
    {
        if (plan is null)
        {
            return (null, GtmReason.NoCandidates);
        }

        var answers = new CandidatePlan?[8];
        var decision = NewEngine(metrics, geo, time, client).Decide(plan, v6, in client, answers, trace);
        return (decision.Count > 0 ? answers[0] : null, decision.Reason);
    }

    private static GtmEngine NewEngine(IGtmMetricsView metrics, GeoDataHolder geo, TimeProvider time, in GtmClient client) =>
        new(metrics, new PersistenceTable(), new ClientGroupTracker(), time, new SeededRandomSource(client.PersistenceKey.GetHashCode()), null, geo);

    private static string Describe(in GtmClient client) =>
        client.UsesSubnet ? $"{ClientGroup.Of(client.SubnetAddress, client.SubnetPrefix)} via resolver {client.Resolver}" : $"resolver {client.Resolver}";

    private sealed class CountryTally
    {
        public long Queries { get; private set; }

        public long Moved { get; private set; }

        public Dictionary<string, long> Before { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> After { get; } = new(StringComparer.Ordinal);

        public void Add(string? before, string? after, long queries, bool moved)
        {
            Queries += queries;
            Moved += moved ? queries : 0;
            Before[before ?? ""] = Before.GetValueOrDefault(before ?? "") + queries;
            After[after ?? ""] = After.GetValueOrDefault(after ?? "") + queries;
        }
    }

    private static string? Main(Dictionary<string, long> pops) =>
        pops.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key.Length == 0 ? null : kv.Key).FirstOrDefault();

    private static void Add(Dictionary<string, (long Before, long After)> map, string? key, long count, bool before)
    {
        key ??= "(no answer)";
        var v = map.GetValueOrDefault(key);
        map[key] = before ? (v.Before + count, v.After) : (v.Before, v.After + count);
    }

    private sealed class FailingMetrics(IGtmMetricsView inner, HashSet<string> failed, DateTimeOffset now) : IGtmMetricsView
    {
        public bool TryGetServiceMetric(ServiceKey key, out ServiceMetric metric)
        {
            if (failed.Contains(key.ServerId))
            {
                metric = new ServiceMetric(key, ServiceMetric.FailedValue, ProbeError.Timeout, now, "what-if");
                return true;
            }

            return inner.TryGetServiceMetric(key, out metric);
        }

        public bool TryGetLatency(ClientGroup group, string popId, out LatencyEntry latency) => inner.TryGetLatency(group, popId, out latency);
    }
}
