using System.Collections.Concurrent;

namespace Speedera.Core.Gtm;

/// <summary>
/// How many GTM queries for a hostname came from one client group through one resolver in one UTC minute.
/// <see cref="ClientSubnet"/> is the EDNS Client Subnet as the query gave it, else the resolver's /24 (IPv6 /56).
/// </summary>
public sealed record ClientGroupCountRow(DateTimeOffset Minute, string Hostname, string ClientSubnet, string Resolver, long Count);

/// <summary>
/// Counts who asked for each GTM hostname per minute (the what-if simulation and the visitor map read it).
/// Distinct keys per minute are capped: spoofed ECS options cannot grow memory without bound; what the cap
/// leaves out is counted in <see cref="Overflow"/>.
/// </summary>
public sealed class ClientGroupCounter(TimeProvider timeProvider, int maxKeys = ClientGroupCounter.DefaultMaxKeys)
{
    public const int DefaultMaxKeys = 100_000;
    public const int ResolverV4Prefix = 24;
    public const int ResolverV6Prefix = 56;
    private readonly ConcurrentDictionary<(long Minute, HostnamePlan Plan, ClientGroup Subnet, ClientAddress Resolver), StripedCounter> _counts = new();
    private readonly StripedCounter _overflow = new();

    /// <summary>Queries not counted because the key cap was reached (since start).</summary>
    public long Overflow => _overflow.Value;

    public void Count(HostnamePlan plan, in GtmClient client, DateTimeOffset now)
    {
        long minute = now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute);
        var subnet = client.UsesSubnet
            ? ClientGroup.Of(client.SubnetAddress, client.SubnetPrefix)
            : ClientGroup.Of(client.Resolver, client.Resolver.IsV6 ? ResolverV6Prefix : ResolverV4Prefix);
        var key = (minute, plan, subnet, client.Resolver);
        if (!_counts.TryGetValue(key, out var counter))
        {
            if (_counts.Count >= maxKeys)
            {
                _overflow.Increment();
                return;
            }

            counter = _counts.GetOrAdd(key, static _ => new StripedCounter());
        }

        counter.Increment();
    }

    /// <summary>Removes and returns completed minutes (see <see cref="DecisionCounter.Drain"/>).</summary>
    public IReadOnlyList<ClientGroupCountRow> Drain(bool includeCurrent = false)
    {
        long cutoff = includeCurrent ? long.MaxValue : (timeProvider.GetUtcNow() - DecisionCounter.Grace).UtcTicks;
        var rows = new Dictionary<(long, string, ClientGroup, ClientAddress), long>();
        foreach (var (key, _) in _counts)
        {
            if (key.Minute + TimeSpan.TicksPerMinute > cutoff)
            {
                continue;
            }

            if (_counts.TryRemove(key, out var counter))
            {
                var rowKey = (key.Minute, key.Plan.Name, key.Subnet, key.Resolver);
                rows[rowKey] = rows.GetValueOrDefault(rowKey) + counter.Value;
            }
        }

        return [.. rows
            .Select(r => new ClientGroupCountRow(new DateTimeOffset(r.Key.Item1, TimeSpan.Zero), r.Key.Item2, r.Key.Item3.ToString(), r.Key.Item4.ToString(), r.Value))
            .OrderBy(r => r.Minute).ThenBy(r => r.Hostname, StringComparer.Ordinal).ThenBy(r => r.ClientSubnet, StringComparer.Ordinal).ThenBy(r => r.Resolver, StringComparer.Ordinal)];
    }
}
