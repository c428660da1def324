using Microsoft.EntityFrameworkCore;
using Speedera.Core.Configuration;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Configuration;

/// <summary>The latest published envelope, as served to edge nodes.</summary>
public sealed record PublishedConfiguration(long Version, string Hash, byte[] EnvelopeBytes)
{
    public string ETag => SignedConfiguration.FormatETag(Version, Hash);
}

/// <summary>
/// Holds the latest published configuration in memory and wakes long-polls when it changes.
/// Other portal instances' publishes are picked up by re-reading the database when a poll waits
/// (<see cref="RefreshInterval"/>).
/// </summary>
public sealed class ConfigurationFeed(IServiceScopeFactory scopes, Live.LiveFeed? live = null)
{
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private readonly object _gate = new();
    private PublishedConfiguration? _latest;
    private bool _loaded;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<PublishedConfiguration?> GetLatestAsync(CancellationToken cancellationToken)
    {
        if (!Volatile.Read(ref _loaded))
        {
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
        }

        return Volatile.Read(ref _latest);
    }

    /// <summary>Returns the latest version once its ETag differs from <paramref name="ifNoneMatch"/>, or null on timeout.</summary>
    public async Task<PublishedConfiguration?> WaitForChangeAsync(string? ifNoneMatch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            var latest = await GetLatestAsync(cancellationToken).ConfigureAwait(false);
            if (latest is not null && latest.ETag != ifNoneMatch)
            {
                return latest;
            }

            try
            {
                try
                {
                    await changed.WaitAsync(RefreshInterval, deadline.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Another portal instance may have published: look at the database now and then.
                    await ReloadAsync(deadline.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    /// <summary>Called by the publisher after a new version is stored.</summary>
    internal void Publish(PublishedConfiguration published)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (_latest is not null && _latest.Version >= published.Version)
            {
                return;
            }

            Volatile.Write(ref _latest, published);
            Volatile.Write(ref _loaded, true);
            signal = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
        live?.Publish(Live.LiveTopic.ConfigurationPublished);
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _loadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            var row = await db.ConfigVersions.AsNoTracking().OrderByDescending(v => v.Version)
                .Select(v => new { v.Version, v.Hash, v.Envelope }).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (row is not null)
            {
                Publish(new PublishedConfiguration(row.Version, row.Hash, row.Envelope));
            }

            Volatile.Write(ref _loaded, true);
        }
        finally
        {
            _loadGate.Release();
        }
    }
}
