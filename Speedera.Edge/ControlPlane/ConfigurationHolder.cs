using Speedera.Core.Configuration;

namespace Speedera.Edge.ControlPlane;

public enum ConfigurationSource
{
    ControlPlane,
    LastGood,
    File,
}

/// <summary>A verified, validated document as it runs on this node. Immutable: readers keep the instance they took.</summary>
public sealed record AppliedConfiguration(
    NetworkConfiguration Configuration,
    long Version,
    string Hash,
    DateTimeOffset AppliedAt,
    ConfigurationSource Source);

/// <summary>Why the last offered document was not applied.</summary>
public sealed record ConfigurationRefusal(long? Version, string Reason, DateTimeOffset At);

public enum ApplyOutcome
{
    Applied,
    AlreadyRunning,
    OlderThanRunning,
}

/// <summary>
/// Holds the node's current configuration and swaps it atomically. Role hosts read
/// <see cref="Current"/> once per unit of work (a query, a request, a probe round), so work in
/// flight finishes on the document it started with while new work sees the new one.
/// </summary>
public sealed class ConfigurationHolder
{
    private readonly object _gate = new();
    private AppliedConfiguration? _current;
    private ConfigurationRefusal? _lastRefusal;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>The running document, or null before the first one arrives.</summary>
    public AppliedConfiguration? Current => Volatile.Read(ref _current);

    /// <summary>The last document refused (tampered, invalid, older), if any since start.</summary>
    public ConfigurationRefusal? LastRefusal => Volatile.Read(ref _lastRefusal);

    /// <summary>Raised after each swap, on the thread that applied it. Handlers must be quick and must not throw.</summary>
    public event Action<AppliedConfiguration>? Changed;

    /// <summary>
    /// Swaps in <paramref name="next"/> if its version is newer than the running one. The caller
    /// must have verified the signature and validated the document.
    /// </summary>
    public ApplyOutcome Apply(AppliedConfiguration next)
    {
        ArgumentNullException.ThrowIfNull(next);
        TaskCompletionSource signal;
        lock (_gate)
        {
            var current = _current;
            if (current is not null)
            {
                if (next.Version == current.Version && next.Hash == current.Hash)
                {
                    return ApplyOutcome.AlreadyRunning;
                }

                if (next.Version <= current.Version)
                {
                    return ApplyOutcome.OlderThanRunning;
                }
            }

            Volatile.Write(ref _current, next);
            signal = _changed;
            _changed = NewSignal();
        }

        signal.TrySetResult();
        Changed?.Invoke(next);
        return ApplyOutcome.Applied;
    }

    public void RecordRefusal(ConfigurationRefusal refusal) => Volatile.Write(ref _lastRefusal, refusal);

    /// <summary>Completes when a document with a version above <paramref name="version"/> runs.</summary>
    public async Task<AppliedConfiguration> WaitForVersionAboveAsync(long version, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                if (_current is { } c && c.Version > version)
                {
                    return c;
                }

                wait = _changed.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
