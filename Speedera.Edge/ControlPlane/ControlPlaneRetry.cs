using Polly;
using Polly.Retry;

namespace Speedera.Edge.ControlPlane;

/// <summary>
/// How the edge retries calls to the control plane: exponential backoff from the configured retry
/// delay, with jitter so a fleet that lost the control plane together does not return in
/// lock-step, capped at <see cref="MaxDelay"/>, and retrying until the node stops (static
/// stability: the node keeps serving its last good configuration meanwhile).
/// </summary>
internal static class ControlPlaneRetry
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A pipeline that retries while <paramref name="isFailure"/> says so. Cancellation by the caller's
    /// token is never retried: it ends the wait at once with <see cref="OperationCanceledException"/>.
    /// </summary>
    public static ResiliencePipeline<T> Create<T>(
        TimeSpan firstDelay,
        TimeProvider time,
        Func<Outcome<T>, bool> isFailure,
        Action<OnRetryArguments<T>>? onRetry = null)
    {
        var options = new RetryStrategyOptions<T>
        {
            ShouldHandle = args => ValueTask.FromResult(!args.Context.CancellationToken.IsCancellationRequested && isFailure(args.Outcome)),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = firstDelay,
            MaxDelay = firstDelay > MaxDelay ? firstDelay : MaxDelay,
            MaxRetryAttempts = int.MaxValue,
            OnRetry = args =>
            {
                onRetry?.Invoke(args);
                return ValueTask.CompletedTask;
            },
        };
        return new ResiliencePipelineBuilder<T> { TimeProvider = time }.AddRetry(options).Build();
    }

    /// <summary>The transport failures a control-plane call retries: no answer, a broken connection, a timeout.</summary>
    public static bool IsTransient(Exception? ex) => ex is HttpRequestException or IOException or OperationCanceledException;
}
