using Speedera.Edge.Cache;

namespace Speedera.Tests.Unit.Cache;

public class RequestCollapserTests
{
    [Fact]
    public async Task Second_caller_for_a_key_gets_the_running_fetch_and_its_work_is_not_called()
    {
        var collapser = new RequestCollapser<int>();
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;

        Assert.True(collapser.TryStart("a /x", () => { calls++; return gate.Task; }, out var first));
        Assert.False(collapser.TryStart("a /x", () => { calls++; return Task.FromResult(-1); }, out var second));
        Assert.True(collapser.TryStart("a /y", () => { calls++; return Task.FromResult(7); }, out var other));

        gate.SetResult(42);
        Assert.Equal(42, await first);
        Assert.Equal(42, await second);
        Assert.Equal(7, await other);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Finished_fetch_is_not_handed_to_a_later_caller()
    {
        var collapser = new RequestCollapser<int>();
        Assert.True(collapser.TryStart("k", () => Task.FromResult(1), out var first));
        Assert.Equal(1, await first);

        Assert.True(collapser.TryStart("k", () => Task.FromResult(2), out var next));
        Assert.Equal(2, await next);
    }

    [Fact]
    public async Task Failed_fetch_throws_to_every_waiter_and_is_not_cached()
    {
        var collapser = new RequestCollapser<int>();
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(collapser.TryStart("k", () => gate.Task, out var leader));
        Assert.False(collapser.TryStart("k", () => Task.FromResult(-1), out var waiter));

        gate.SetException(new InvalidOperationException("origin down"));
        Assert.Equal("origin down", (await Assert.ThrowsAsync<InvalidOperationException>(() => leader)).Message);
        Assert.Equal("origin down", (await Assert.ThrowsAsync<InvalidOperationException>(() => waiter)).Message);

        Assert.True(collapser.TryStart("k", () => Task.FromResult(3), out var retry));
        Assert.Equal(3, await retry);
    }

    [Fact]
    public async Task Work_that_throws_before_returning_a_task_is_not_left_registered()
    {
        var collapser = new RequestCollapser<int>();
        Assert.True(collapser.TryStart("k", () => throw new InvalidOperationException("bad request"), out var failed));
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed);

        Assert.True(collapser.TryStart("k", () => Task.FromResult(5), out var next));
        Assert.Equal(5, await next);
    }
}
