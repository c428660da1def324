using Microsoft.Extensions.Time.Testing;
using Speedera.Edge.ControlPlane;

namespace Speedera.Tests.Unit.Configuration;

public sealed class ControlPlaneRetryTests
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(2);

    /// <summary>Runs the pipeline, moving the fake clock on by each delay the retry asks for.</summary>
    private static async Task<(int Calls, List<TimeSpan> Delays)> RunAsync(int failures)
    {
        var time = new FakeTimeProvider();
        var delays = new List<TimeSpan>();
        var pipeline = ControlPlaneRetry.Create<bool>(FirstDelay, time, outcome => !outcome.Result, args => delays.Add(args.RetryDelay));
        var calls = 0;
        var run = pipeline.ExecuteAsync(_ => ValueTask.FromResult(++calls > failures), CancellationToken.None).AsTask();
        for (var i = 0; i < 10_000 && !run.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(1);
        }

        Assert.True(await run);
        return (calls, delays);
    }

    [Fact]
    public async Task Failures_are_retried_until_the_call_succeeds()
    {
        var (calls, delays) = await RunAsync(failures: 12);

        Assert.Equal(13, calls);
        Assert.Equal(12, delays.Count);
    }

    [Fact]
    public async Task Delays_grow_from_the_retry_delay_with_jitter_and_stay_under_the_cap()
    {
        var (_, delays) = await RunAsync(failures: 12);

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, ControlPlaneRetry.MaxDelay));
        Assert.True(delays.Take(2).Max() < TimeSpan.FromSeconds(10), $"first delays {string.Join(", ", delays.Take(2))} should be near the 2 s retry delay");
        Assert.True(delays.Skip(8).Average(d => d.TotalSeconds) > 4 * delays.Take(2).Average(d => d.TotalSeconds), $"delays should grow: {string.Join(", ", delays)}");
        // Below the cap every delay is drawn afresh; at the cap they are all the cap.
        var uncapped = delays.Where(d => d < ControlPlaneRetry.MaxDelay).ToList();
        Assert.True(uncapped.Count >= 2 && uncapped.Distinct().Count() == uncapped.Count, $"jitter should spread the delays: {string.Join(", ", delays)}");
    }

    [Fact]
    public async Task Stopping_ends_the_wait_at_once_without_another_attempt()
    {
        var time = new FakeTimeProvider();
        var pipeline = ControlPlaneRetry.Create<bool>(FirstDelay, time, outcome => !outcome.Result);
        using var stop = new CancellationTokenSource();
        var calls = 0;
        var run = pipeline.ExecuteAsync(_ => ValueTask.FromResult(++calls > 100), stop.Token).AsTask();

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Only_transport_failures_count_as_transient()
    {
        Assert.True(ControlPlaneRetry.IsTransient(new HttpRequestException("refused")));
        Assert.True(ControlPlaneRetry.IsTransient(new IOException("reset")));
        Assert.True(ControlPlaneRetry.IsTransient(new TaskCanceledException("timeout")));
        Assert.False(ControlPlaneRetry.IsTransient(new InvalidOperationException("bug")));
    }
}
