using System.Collections.Concurrent;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>
/// Counts every request into per-minute rows (hostname × minute) with lock-free counters. The uploader calls
/// <see cref="Drain"/> to take finished minutes as immutable <see cref="UsageRollup"/> rows.
/// </summary>
public sealed class UsageAggregator
{
    // A request records into the minute it finished in; a short grace keeps a drain from racing a late increment.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private static readonly long UnixEpochSeconds = DateTimeOffset.UnixEpoch.UtcTicks / TimeSpan.TicksPerSecond;
    private readonly ConcurrentDictionary<(long Minute, string Hostname), Counters> _rows = new();
    // The live view's per-second counts (requests, bytes), drained every second; bounded by the drain.
    private readonly ConcurrentDictionary<(long Second, string Hostname), SecondCounters> _seconds = new();
    private readonly TimeProvider _time;
    // Totals of drained rows, so totals since start (for metrics) cost the request path nothing.
    private readonly Lock _totalsGate = new();
    private UsageTotals _drained;

    public UsageAggregator(string popId, string nodeId, TimeProvider timeProvider)
    {
        PopId = popId;
        NodeId = nodeId;
        _time = timeProvider;
    }

    public string PopId { get; }

    public string NodeId { get; }

    private sealed class SecondCounters
    {
        public long Requests, BytesToClients;
    }

    private sealed class Counters
    {
        public long Requests, BytesToClients, BytesFromOrigin, S2, S3, S4, S5, Hits, Misses;
    }

    /// <summary>Everything recorded since start: drained rows plus the rows still open. Read by the metrics exporter.</summary>
    public UsageTotals Totals()
    {
        lock (_totalsGate)
        {
            var t = _drained;
            foreach (var c in _rows.Values)
            {
                t = t.Add(Snapshot(c));
            }

            return t;
        }
    }

    private static UsageTotals Snapshot(Counters c) => new(
        Interlocked.Read(ref c.Requests), Interlocked.Read(ref c.BytesToClients), Interlocked.Read(ref c.BytesFromOrigin),
        Interlocked.Read(ref c.S2), Interlocked.Read(ref c.S3), Interlocked.Read(ref c.S4), Interlocked.Read(ref c.S5),
        Interlocked.Read(ref c.Hits), Interlocked.Read(ref c.Misses));

    public void Record(string hostname, int status, long bytesToClient, long bytesFromOrigin, bool hit)
    {
        var ticks = _time.GetUtcNow().UtcTicks;
        var minute = ticks / TimeSpan.TicksPerMinute;
        var s = _seconds.GetOrAdd((ticks / TimeSpan.TicksPerSecond, hostname), static _ => new SecondCounters());
        Interlocked.Increment(ref s.Requests);
        if (bytesToClient != 0)
        {
            Interlocked.Add(ref s.BytesToClients, bytesToClient);
        }

        var c = _rows.GetOrAdd((minute, hostname), static _ => new Counters());
        Interlocked.Increment(ref c.Requests);
        if (bytesToClient != 0)
        {
            Interlocked.Add(ref c.BytesToClients, bytesToClient);
        }

        if (bytesFromOrigin != 0)
        {
            Interlocked.Add(ref c.BytesFromOrigin, bytesFromOrigin);
        }

        switch (status / 100)
        {
            case 2: Interlocked.Increment(ref c.S2); break;
            case 3: Interlocked.Increment(ref c.S3); break;
            case 4: Interlocked.Increment(ref c.S4); break;
            case 5: Interlocked.Increment(ref c.S5); break;
        }

        if (hit)
        {
            Interlocked.Increment(ref c.Hits);
        }
        else
        {
            Interlocked.Increment(ref c.Misses);
        }
    }

    /// <summary>
    /// Removes and returns finished seconds (Unix seconds) for the live view. Seconds older than
    /// <paramref name="keep"/> are dropped unsent: nobody watches them live any more.
    /// </summary>
    public IReadOnlyList<Speedera.Core.Reports.RealtimeRow> DrainSeconds(TimeSpan keep)
    {
        var nowTicks = _time.GetUtcNow().UtcTicks;
        long current = nowTicks / TimeSpan.TicksPerSecond;
        long oldest = (nowTicks - keep.Ticks) / TimeSpan.TicksPerSecond;
        var rows = new List<Speedera.Core.Reports.RealtimeRow>();
        foreach (var key in _seconds.Keys)
        {
            // Give the just-finished second a moment for requests completing on other threads.
            if (key.Second < current - 1 && _seconds.TryRemove(key, out var c) && key.Second >= oldest)
            {
                rows.Add(new(key.Second - UnixEpochSeconds, key.Hostname, Interlocked.Read(ref c.Requests), Interlocked.Read(ref c.BytesToClients)));
            }
        }

        rows.Sort((a, b) => a.Second != b.Second ? a.Second.CompareTo(b.Second) : string.CompareOrdinal(a.Hostname, b.Hostname));
        return rows;
    }

    /// <summary>
    /// Removes and returns the rows of finished minutes (all rows when <paramref name="includeCurrent"/>, e.g. at shutdown),
    /// ordered by minute then hostname.
    /// </summary>
    public IReadOnlyList<UsageRollup> Drain(bool includeCurrent = false)
    {
        var cutoff = (_time.GetUtcNow() - Grace).UtcTicks / TimeSpan.TicksPerMinute;
        var rows = new List<UsageRollup>();
        lock (_totalsGate)
        {
            foreach (var key in _rows.Keys)
            {
                if ((includeCurrent || key.Minute < cutoff) && _rows.TryRemove(key, out var c))
                {
                    var t = Snapshot(c);
                    _drained = _drained.Add(t);
                    rows.Add(new UsageRollup(
                        new DateTimeOffset(key.Minute * TimeSpan.TicksPerMinute, TimeSpan.Zero),
                        key.Hostname,
                        PopId,
                        NodeId,
                        t.Requests,
                        t.BytesToClients,
                        t.BytesFromOrigin,
                        t.Status2xx,
                        t.Status3xx,
                        t.Status4xx,
                        t.Status5xx,
                        t.Hits,
                        t.Misses));
                }
            }
        }

        rows.Sort((a, b) => a.Minute != b.Minute ? a.Minute.CompareTo(b.Minute) : string.CompareOrdinal(a.Hostname, b.Hostname));
        return rows;
    }
}

/// <summary>Usage counts summed over hostnames and minutes.</summary>
public readonly record struct UsageTotals(
    long Requests, long BytesToClients, long BytesFromOrigin, long Status2xx, long Status3xx, long Status4xx, long Status5xx, long Hits, long Misses)
{
    public UsageTotals Add(UsageTotals o) => new(
        Requests + o.Requests, BytesToClients + o.BytesToClients, BytesFromOrigin + o.BytesFromOrigin, Status2xx + o.Status2xx,
        Status3xx + o.Status3xx, Status4xx + o.Status4xx, Status5xx + o.Status5xx, Hits + o.Hits, Misses + o.Misses);
}
