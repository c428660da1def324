using System.Collections.Concurrent;

namespace Speedera.Core.Gtm;

/// <summary>A client group a dns node has seen since the last drain, for the latency probes.</summary>
public sealed record SeenClientGroup(string Group, string SampleClient, long Requests, bool NeedsLatency, DateTimeOffset LastSeen);

/// <summary>
/// The DnsGroups and DnsClients that recently asked (the patent sends them to the latency probes at an
/// interval); groups for which no latency was known are flagged so probes measure them first.
/// Recording an already-seen group does not allocate; the table is bounded against random ECS floods.
/// </summary>
public sealed class ClientGroupTracker(int maxGroups = 100_000)
{
    private ConcurrentDictionary<ClientGroup, Seen> _seen = new();
    private long _dropped;

    public int Count => _seen.Count;

    /// <summary>Groups not recorded because the table was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Record(ClientGroup group, ClientAddress sample, bool needsLatency, DateTimeOffset now)
    {
        var table = Volatile.Read(ref _seen);
        if (!table.TryGetValue(group, out var seen))
        {
            if (table.Count >= maxGroups)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            seen = table.GetOrAdd(group, static _ => new Seen());
        }

        Interlocked.Increment(ref seen.Requests);
        Volatile.Write(ref seen.LastSeenTicks, now.UtcTicks);
        seen.Sample = sample;
        if (needsLatency)
        {
            Volatile.Write(ref seen.NeedsLatency, 1);
        }
    }

    /// <summary>Groups flagged as needing a latency measurement, without draining.</summary>
    public IReadOnlyList<string> PendingLatencyGroups() =>
        [.. Volatile.Read(ref _seen).Where(kv => Volatile.Read(ref kv.Value.NeedsLatency) == 1).Select(kv => kv.Key.ToString())];

    /// <summary>Takes everything seen since the last drain; groups needing latency come first.</summary>
    public IReadOnlyList<SeenClientGroup> Drain()
    {
        var old = Interlocked.Exchange(ref _seen, new ConcurrentDictionary<ClientGroup, Seen>());
        return [.. old
            .Select(kv => new SeenClientGroup(
                kv.Key.ToString(),
                kv.Value.Sample.ToString(),
                Interlocked.Read(ref kv.Value.Requests),
                Volatile.Read(ref kv.Value.NeedsLatency) == 1,
                new DateTimeOffset(Volatile.Read(ref kv.Value.LastSeenTicks), TimeSpan.Zero)))
            .OrderByDescending(g => g.NeedsLatency)
            .ThenByDescending(g => g.Requests)];
    }

    private sealed class Seen
    {
        public long Requests;
        public long LastSeenTicks;
        public int NeedsLatency;
        public ClientAddress Sample;
    }
}
