using Speedera.Core.Configuration;

namespace Speedera.Edge.Probe;

/// <summary>
/// The scheduler loop both probe hosts run: each tick, start what is due under the current
/// configuration and flush results once the send interval has passed; a failing tick is reported
/// and retried a second later, and cancellation ends the loop.
/// </summary>
internal static class ProbeLoop
{
    public static async Task RunAsync(
        Func<NetworkConfiguration?> configuration,
        Action<NetworkConfiguration, CancellationToken> startDue,
        Func<CancellationToken, Task> flush,
        Func<DateTimeOffset> lastFlush,
        TimeSpan tick,
        TimeProvider time,
        Action<Exception> onFailure,
        CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var config = configuration();
                if (config is not null)
                {
                    startDue(config, ct);
                    if (time.GetUtcNow() - lastFlush() >= config.Probes.SendInterval)
                    {
                        await flush(ct).ConfigureAwait(false);
                    }
                }

                await Task.Delay(tick, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                onFailure(ex);
                await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>A background loop on the thread pool that is started once and stopped by cancelling it.</summary>
internal sealed class LoopRunner
{
    private CancellationTokenSource? cts;
    private Task? loop;

    public void Start(Func<CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts = source;
        loop = Task.Run(() => body(source.Token), CancellationToken.None);
    }

    /// <summary>
    /// Cancels the loop, waits for it to end, then runs <paramref name="drain"/> (work the loop started
    /// still holds its token, so the token source lives until that is done). Does nothing when not running.
    /// </summary>
    public async Task StopAsync(Func<Task>? drain = null)
    {
        if (cts is null)
        {
            return;
        }

        await cts.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        if (drain is not null)
        {
            await drain().ConfigureAwait(false);
        }

        cts.Dispose();
        cts = null;
    }
}
