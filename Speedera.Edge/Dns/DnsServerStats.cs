using System.Diagnostics;
using System.Diagnostics.Metrics;
using Speedera.Core;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;

namespace Speedera.Edge.Dns;

/// <summary>Counters of the dns role since start; read them any time. Striped per processor: every query counts here.</summary>
public sealed class DnsServerStats
{
    /// <summary>One query in this many (per processor) is timed for the latency histogram.</summary>
    public const int LatencySampleEvery = 64;

    // Responses are counted in one slot each: by rcode, except NOERROR answers the GTM engine decided, which count
    // under their decision reason instead. One increment per response gives both the rcode and the reason counts.
    private const int RcodeSlots = 24;
    private static readonly int ReasonSlots = Enum.GetValues<GtmReason>().Max(r => (int)r) + 1;

    private readonly StripedCounter _queries = new();
    private readonly StripedCounter _dropped = new();
    private readonly StripedCounter _truncated = new();
    private readonly StripedCounter _rateLimited = new();
    private readonly StripedCounter[] _responses = [.. Enumerable.Range(0, RcodeSlots + ReasonSlots).Select(_ => new StripedCounter())];

    private long _helperWakes;

    public long Queries => _queries.Value;

    /// <summary>How often a UDP loop found a backlog and woke a helper loop (see <see cref="DnsServerOptions.UdpHelpersOnDemand"/>).</summary>
    public long UdpHelperWakes => Interlocked.Read(ref _helperWakes);

    public long Dropped => _dropped.Value;

    public long Truncated => _truncated.Value;

    public long RateLimited => _rateLimited.Value;

    /// <summary>Records the processing time of sampled queries (set by the node's metrics; null when none are exported).</summary>
    public Histogram<double>? Latency { get; set; }

    public long Responses(DnsResponseCode rcode)
    {
        if ((int)rcode >= RcodeSlots)
        {
            return 0;
        }

        long sum = _responses[(int)rcode].Value;
        if (rcode == DnsResponseCode.NoError)
        {
            for (int i = RcodeSlots; i < _responses.Length; i++)
            {
                sum += _responses[i].Value;
            }
        }

        return sum;
    }

    /// <summary>NOERROR answers the GTM engine decided, by the reason of the decision.</summary>
    public long Decisions(GtmReason reason) => _responses[RcodeSlots + (int)reason].Value;

    /// <summary>Counts a query; true for the one in <see cref="LatencySampleEvery"/> whose processing time is recorded.</summary>
    internal bool CountQuery() => (_queries.IncrementCell() & (LatencySampleEvery - 1)) == 0;

    internal void RecordLatency(long startTimestamp) => Latency?.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);

    internal void CountHelperWake() => Interlocked.Increment(ref _helperWakes);

    internal void CountDropped() => _dropped.Increment();

    internal void CountRateLimited() => _rateLimited.Increment();

    internal void CountResponse(in DnsOutcome outcome)
    {
        int slot = outcome.Reason is { } reason && outcome.RCode == DnsResponseCode.NoError ? RcodeSlots + (int)reason : (int)outcome.RCode;
        if (slot < _responses.Length)
        {
            _responses[slot].Increment();
        }

        if (outcome.Truncated)
        {
            _truncated.Increment();
        }
    }
}
