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
