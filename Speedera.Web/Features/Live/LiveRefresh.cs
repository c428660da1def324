namespace Speedera.Web.Features.Live;

/// <summary>
/// A circuit's subscription to the <see cref="LiveFeed"/>: on a change of its topics it runs
/// <c>refresh</c> (re-read and re-render), at most once per <see cref="MinimumInterval"/> so a burst of
/// uploads costs one database read per circuit, not one per upload. Dispose it with the component.
/// </summary>
public sealed class LiveRefresh : IDisposable
{
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(1);

    private readonly Func<Task> _refresh;
    private readonly TimeProvider _time;
    private readonly IDisposable _subscription;
    private readonly Lock _gate = new();
    private ITimer? _pending;
    private DateTimeOffset _lastRun = DateTimeOffset.MinValue;
    private bool _disposed;

    public LiveRefresh(LiveFeed feed, IReadOnlyCollection<LiveTopic> topics, Func<Task> refresh, TimeProvider time)
    {
        _refresh = refresh;
        _time = time;
        _subscription = feed.Subscribe(topics, _ => Schedule());
    }

    /// <summary>When this circuit last re-read its data because of a change.</summary>
    public DateTimeOffset? LastRefresh => _lastRun == DateTimeOffset.MinValue ? null : _lastRun;

    private void Schedule()
    {
        lock (_gate)
        {
            if (_disposed || _pending is not null)
            {
                return;
            }

            var wait = _lastRun + MinimumInterval - _time.GetUtcNow();
            _pending = _time.CreateTimer(_ => _ = RunAsync(), null, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task RunAsync()
    {
        lock (_gate)
        {
            _pending?.Dispose();
            _pending = null;
            if (_disposed)
            {
                return;
            }

            _lastRun = _time.GetUtcNow();
        }

        await _refresh();
    }

    public void Dispose()
    {
        _subscription.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _pending?.Dispose();
            _pending = null;
        }
    }
}
