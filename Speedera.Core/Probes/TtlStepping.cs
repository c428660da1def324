namespace Speedera.Core.Probes;

/// <summary>An ICMP answer to a UDP probe: who answered, after how long, and whether it was the target itself.</summary>
public sealed record TtlReply(string From, TimeSpan RoundTrip, bool ReachedTarget);

/// <summary>
/// The patent's UDP high-port method: a UDP datagram to port 33434 with TTL 64 should draw an
/// ICMP port-unreachable from the client (FULL). On silence the probe is repeated with TTL 4, 8,
/// 12, ... until nothing answers; the last router that answered (ICMP time exceeded) stands in
/// for the client (PARTIAL). Pure: the sending is a delegate so the stepping is unit-tested.
/// </summary>
public static class TtlStepping
{
    public const int FirstTtl = 64;
    public const int Step = 4;
    public const int MaxTtl = 64;

    public static async Task<LatencyProbeResult?> RunAsync(Func<int, CancellationToken, Task<TtlReply?>> send, CancellationToken cancellationToken)
    {
        var first = await send(FirstTtl, cancellationToken).ConfigureAwait(false);
        if (first is { ReachedTarget: true })
        {
            return new LatencyProbeResult(first.RoundTrip, LatencyQuality.Full, first.From, LatencyMethodUsed.UdpHighPort);
        }

        TtlReply? lastRouter = null;
        for (var ttl = Step; ttl <= MaxTtl; ttl += Step)
        {
            var reply = await send(ttl, cancellationToken).ConfigureAwait(false);
            if (reply is null)
            {
                break;
            }

            if (reply.ReachedTarget)
            {
                return new LatencyProbeResult(reply.RoundTrip, LatencyQuality.Full, reply.From, LatencyMethodUsed.UdpTtlStep);
            }

            lastRouter = reply;
        }

        return lastRouter is null ? null : new LatencyProbeResult(lastRouter.RoundTrip, LatencyQuality.Partial, lastRouter.From, LatencyMethodUsed.UdpTtlStep);
    }
}
