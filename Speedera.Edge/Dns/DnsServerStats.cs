using Speedera.Core.Dns;

namespace Speedera.Edge.Dns;

/// <summary>Counters of the dns role since start; read them any time.</summary>
public sealed class DnsServerStats
{
    private long _queries;
    private long _dropped;
    private long _truncated;
    private long _rateLimited;
    private readonly long[] _rcodes = new long[24];

    public long Queries => Interlocked.Read(ref _queries);

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Truncated => Interlocked.Read(ref _truncated);

    public long RateLimited => Interlocked.Read(ref _rateLimited);

    public long Responses(DnsResponseCode rcode) => Interlocked.Read(ref _rcodes[(int)rcode]);

    internal void CountQuery() => Interlocked.Increment(ref _queries);

    internal void CountDropped() => Interlocked.Increment(ref _dropped);

    internal void CountRateLimited() => Interlocked.Increment(ref _rateLimited);

    internal void CountResponse(in DnsOutcome outcome)
    {
        if ((int)outcome.RCode < _rcodes.Length)
        {
            Interlocked.Increment(ref _rcodes[(int)outcome.RCode]);
        }

        if (outcome.Truncated)
        {
            Interlocked.Increment(ref _truncated);
        }
    }
}
