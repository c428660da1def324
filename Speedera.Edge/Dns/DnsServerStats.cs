using Speedera.Core;
using Speedera.Core.Dns;

namespace Speedera.Edge.Dns;

/// <summary>Counters of the dns role since start; read them any time. Striped per processor: every query counts here.</summary>
public sealed class DnsServerStats
{
    private readonly StripedCounter _queries = new();
    private readonly StripedCounter _dropped = new();
    private readonly StripedCounter _truncated = new();
    private readonly StripedCounter _rateLimited = new();
    private readonly StripedCounter[] _rcodes = [.. Enumerable.Range(0, 24).Select(_ => new StripedCounter())];

    private long _helperWakes;

    public long Queries => _queries.Value;

    /// <summary>How often a UDP loop found a backlog and woke a helper loop (see <see cref="DnsServerOptions.UdpHelpersOnDemand"/>).</summary>
    public long UdpHelperWakes => Interlocked.Read(ref _helperWakes);

    public long Dropped => _dropped.Value;

    public long Truncated => _truncated.Value;

    public long RateLimited => _rateLimited.Value;

    public long Responses(DnsResponseCode rcode) => (int)rcode < _rcodes.Length ? _rcodes[(int)rcode].Value : 0;

    internal void CountQuery() => _queries.Increment();

    internal void CountHelperWake() => Interlocked.Increment(ref _helperWakes);

    internal void CountDropped() => _dropped.Increment();

    internal void CountRateLimited() => _rateLimited.Increment();

    internal void CountResponse(in DnsOutcome outcome)
    {
        if ((int)outcome.RCode < _rcodes.Length)
        {
            _rcodes[(int)outcome.RCode].Increment();
        }

        if (outcome.Truncated)
        {
            _truncated.Increment();
        }
    }
}
