using Microsoft.Extensions.Options;
using Speedera.Core.Status;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Incidents;

namespace Speedera.Web.Features.Status;

/// <summary>Wakes the status-site publisher after any change it shows (incidents, maintenance, components).</summary>
public sealed class StatusSiteSignal
{
    private readonly Email.OutboxSignal _inner = new();

    public void Notify() => _inner.Notify();

    public Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) => _inner.WaitAsync(timeout, time, cancellationToken);
}

/// <summary>The latest signed status site of this instance, and long-polls waiting for the next.</summary>
public sealed class StatusSiteFeed
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile PublishedStatusSite? _latest;

    public PublishedStatusSite? Latest => _latest;

    internal void Publish(PublishedStatusSite site)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _latest = site;
            signal = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }

    /// <summary>The latest site once its ETag differs from <paramref name="ifNoneMatch"/>, or null when the wait ends first.</summary>
    public async Task<PublishedStatusSite?> WaitForChangeAsync(string? ifNoneMatch, TimeSpan timeout, CancellationToken cancellationToken)
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

            if (_latest is { } latest && latest.ETag != ifNoneMatch)
            {
                return latest;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }
}

public sealed record PublishedStatusSite(long Version, string Hash, byte[] EnvelopeBytes, StatusSiteDocument Site)
{
    public string ETag => StatusSite.FormatETag(Version, Hash);

    public StatusSiteFile? File(string path) => Site.Files.FirstOrDefault(f => f.Path == path);
}

/// <summary>
/// Renders, signs and publishes the status site when something changes (<see cref="StatusSiteSignal"/>) and at least
/// every <see cref="RefreshInterval"/> (component states, uptime bars, other instances' changes). Unchanged files are
/// not republished.
/// </summary>
public sealed partial class StatusSitePublisher(
    IServiceScopeFactory scopes,
    StatusSiteFeed feed,
    StatusSiteSignal signal,
    ConfigurationSigningKey key,
    IOptions<AlertOptions> options,
    TimeProvider time,
    Live.LiveFeed live,
    ILogger<StatusSitePublisher> logger) : BackgroundService
{
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);
    private readonly DateTime _startedAt = time.GetUtcNow().UtcDateTime;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _lastContentHash;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PublishAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex);
            }

            try
            {
                await signal.WaitAsync(RefreshInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Renders now; publishes a new version when the files differ from the last. Returns the latest.</summary>
    public async Task<PublishedStatusSite?> PublishAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await PublishCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<PublishedStatusSite?> PublishCoreAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var now = time.GetUtcNow();
        var model = await StatusQueries.LoadAsync(db, options.Value, now.UtcDateTime, _startedAt, cancellationToken);
        var files = StatusSiteBuilder.Build(model);
        var contentHash = string.Join(",", files.Select(f => f.Path + ":" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(f.Body))));
        if (contentHash == _lastContentHash && feed.Latest is { } unchanged)
        {
            return unchanged;
        }

        // Milliseconds since the epoch: increasing across restarts and instances without shared state.
        var version = Math.Max(now.ToUnixTimeMilliseconds(), (feed.Latest?.Version ?? 0) + 1);
        var site = new StatusSiteDocument(version, now, files);
        var envelope = SignedStatusSite.Sign(site, key.Key);
        var published = new PublishedStatusSite(version, envelope.Hash, envelope.ToJsonBytes(), site);
        feed.Publish(published);
        _lastContentHash = contentHash;
        live.Publish(Live.LiveTopic.StatusSitePublished);
        LogPublished(logger, version);
        return published;
    }

    [LoggerMessage(EventId = 4521, Level = LogLevel.Information, Message = "Status site version {Version} published")]
    private static partial void LogPublished(ILogger logger, long version);

    [LoggerMessage(EventId = 4522, Level = LogLevel.Error, Message = "Status site publish failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
