using System.Net;
using Xunit.Abstractions;

namespace Speedera.Tests.Integration.Probes;

/// <summary>
/// Issue 5's end-to-end scenario: three POPs at different delays from the client; answers follow
/// the lowest latency, move when that POP's delay rises, move away from a stopped origin within
/// probe interval + staleness, reach the hidden failover server only when every visible
/// candidate is down, and come back when things are restored. Once in network namespaces with
/// the delay bridge (real ICMP latency), once on loopback (scripted latency).
/// </summary>
public class FailoverScenarioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan[] Delays = [TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(40)];
    private static readonly TimeSpan ServiceInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MetricStale = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan LatencyStale = TimeSpan.FromSeconds(2);

    [NetnsFact]
    public async Task In_namespaces_answers_follow_delay_failures_and_hidden_failover()
    {
        await using var topology = await NetnsTopology.CreateAsync(Delays);
        await RunScenarioAsync(topology);
    }

    [Fact]
    public async Task On_loopback_answers_follow_latency_failures_and_hidden_failover()
    {
        await using var topology = new LoopbackTopology(Delays);
        await RunScenarioAsync(topology);
    }

    private async Task RunScenarioAsync(IScenarioTopology topology)
    {
        await using var s = await GtmScenario.StartAsync(topology, output.WriteLine, ServiceInterval, MetricStale, LatencyStale);
        var pop1 = s.ServerAddress(1);
        var pop2 = s.ServerAddress(2);
        var pop3 = s.ServerAddress(3);
        var hidden = s.ServerAddress(4);
        bool Only(IReadOnlyList<IPAddress> a, IPAddress expected) => a.Count > 0 && a.All(x => x.Equals(expected));
        var failover = ServiceInterval + MetricStale + TimeSpan.FromSeconds(2);

        var stable = TimeSpan.FromSeconds(2);
        await s.WaitForStableAnswerAsync("lowest-latency POP (pop-1, 5 ms each way) is answered", pop1, TimeSpan.FromSeconds(30), stable);

        await s.SetDelayAsync(1, TimeSpan.FromMilliseconds(60));
        var moved = await s.WaitForStableAnswerAsync("pop-1 delay raised to 60 ms: answers move to pop-2 (20 ms)", pop2, TimeSpan.FromSeconds(20), stable);
        Assert.True(moved < LatencyStale + TimeSpan.FromSeconds(3), $"moved after {moved}");

        await s.StopOriginAsync(2);
        var (took, _) = await s.WaitForAnswerAsync("pop-2 origin stopped: answers move away (to pop-3, 40 ms)", a => Only(a, pop3), failover);
        Assert.True(took < failover, $"moved after {took}");
        Assert.DoesNotContain(hidden, (await s.QueryAsync())!);

        await s.StopOriginAsync(3);
        await s.WaitForAnswerAsync("pop-3 origin stopped too: pop-1 (60 ms) is the last visible", a => Only(a, pop1), failover);
        Assert.DoesNotContain(hidden, (await s.QueryAsync())!);

        await s.StopOriginAsync(1);
        await s.WaitForAnswerAsync("every visible origin stopped: the hidden failover server appears", a => Only(a, hidden), failover);

        await s.StartOriginAsync(1);
        await s.StartOriginAsync(2);
        await s.StartOriginAsync(3);
        await s.SetDelayAsync(1, Delays[0]);
        await s.WaitForStableAnswerAsync("all restored and pop-1 back to 5 ms: pop-1 again, hidden gone", pop1, TimeSpan.FromSeconds(30), stable);
    }
}
