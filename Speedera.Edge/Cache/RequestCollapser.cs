using System.Collections.Concurrent;

namespace Speedera.Edge.Cache;

/// <summary>
/// One origin fetch in flight per key (aspnetcore OutputCaching's <c>WorkDispatcher</c>): the first caller runs the
/// work, later callers get the running task. The entry is removed in <c>finally</c>, before the result is published,
/// so a failed or finished fetch is never handed to a request that arrives afterwards.
/// </summary>
internal sealed class RequestCollapser<TResult>
{
    private readonly ConcurrentDictionary<string, Task<TResult>> _inflight = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts <paramref name="work"/> as the key's fetch and returns true with its task, or returns false with the
    /// fetch already in flight for the key (then <paramref name="work"/> is not called).
    /// </summary>
    public bool TryStart(string key, Func<Task<TResult>> work, out Task<TResult> running)
    {
        var tcs = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!_inflight.TryAdd(key, tcs.Task))
        {
            // Between a failed add and this read the running fetch may have finished: then try to be the next one.
            if (_inflight.TryGetValue(key, out running!))
            {
                return false;
            }
        }

        running = RunAsync(key, tcs, work);
        return true;
    }

    private async Task<TResult> RunAsync(string key, TaskCompletionSource<TResult> tcs, Func<Task<TResult>> work)
    {
        TResult result = default!;
        try
        {
            result = await work().ConfigureAwait(false);
            return result;
        }
        catch (Exception ex)
        {
            tcs.TrySetException(ex);
            throw;
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<string, Task<TResult>>(key, tcs.Task));
            tcs.TrySetResult(result);
        }
    }
}
