using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Probes;

public class TtlSteppingTests
{
    [Fact]
    public void Port_unreachable_from_the_target_at_ttl_64_is_full_data()
    {
        var sent = new List<int>();
        var result = Run(sent, ttl => new TtlReply("203.0.113.5", TimeSpan.FromMilliseconds(20), true));

        Assert.Equal([64], sent);
        Assert.Equal(LatencyQuality.Full, result!.Quality);
        Assert.Equal(LatencyMethodUsed.UdpHighPort, result.Method);
    }

    [Fact]
    public void On_silence_ttl_steps_by_four_until_nothing_answers_and_the_last_router_is_partial_data()
    {
        var sent = new List<int>();
        var result = Run(sent, ttl => ttl switch
        {
            4 => new TtlReply("192.0.2.4", TimeSpan.FromMilliseconds(5), false),
            8 => new TtlReply("192.0.2.8", TimeSpan.FromMilliseconds(9), false),
            _ => null,
        });

        Assert.Equal([64, 4, 8, 12], sent);
        Assert.Equal(LatencyQuality.Partial, result!.Quality);
        Assert.Equal("192.0.2.8", result.RespondingAddress);
        Assert.Equal(TimeSpan.FromMilliseconds(9), result.RoundTrip);
    }

    [Fact]
    public void Reaching_the_target_while_stepping_is_full_data()
    {
        var sent = new List<int>();
        var result = Run(sent, ttl => ttl switch
        {
            4 => new TtlReply("192.0.2.4", TimeSpan.FromMilliseconds(5), false),
            8 => new TtlReply("203.0.113.5", TimeSpan.FromMilliseconds(11), true),
            _ => null,
        });

        Assert.Equal([64, 4, 8], sent);
        Assert.Equal(LatencyQuality.Full, result!.Quality);
    }

    [Fact]
    public void Total_silence_gives_no_result()
    {
        var sent = new List<int>();
        Assert.Null(Run(sent, _ => null));
        Assert.Equal([64, 4], sent);
    }

    [Fact]
    public void Stepping_stops_at_ttl_64()
    {
        var sent = new List<int>();
        var result = Run(sent, ttl => ttl == 64 && sent.Count == 1 ? null : new TtlReply($"192.0.2.{ttl}", TimeSpan.FromMilliseconds(ttl), false));
        Assert.Equal(64, sent[^1]);
        Assert.Equal(17, sent.Count);
        Assert.Equal("192.0.2.64", result!.RespondingAddress);
    }

    private static LatencyProbeResult? Run(List<int> sent, Func<int, TtlReply?> network) =>
        TtlStepping.RunAsync((ttl, _) =>
        {
            sent.Add(ttl);
            return Task.FromResult(network(ttl));
        }, CancellationToken.None).GetAwaiter().GetResult();
}
