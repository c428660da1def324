using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speedera.Core.Configuration;
using Speedera.Core.ControlPlane;
using Speedera.Edge.Hosting;

namespace Speedera.Edge.ControlPlane;

/// <summary>
/// Long-polls the control plane for the configuration (If-None-Match with the running version and
/// hash), verifies and validates what arrives, applies it atomically and keeps it as last good.
/// A refused document is logged and the running one kept.
/// </summary>
public sealed partial class ConfigurationPoller(
    EdgeOptions options,
    ControlPlaneConnection connection,
    ConfigurationVerifier verifier,
    ConfigurationHolder holder,
    LastGoodStore lastGood,
    TimeProvider time,
    ILogger<ConfigurationPoller> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private string? _lastRefusedETag;
    private int _lastUnexpectedStatus;
    private bool _unreachable;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = options.RetryDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan? delay;
            try
            {
                delay = await PollOnceAsync(stoppingToken).ConfigureAwait(false);
                if (_unreachable)
                {
                    _unreachable = false;
                    LogReachable(logger);
                }

                backoff = options.RetryDelay;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or IOException)
            {
                if (!_unreachable)
                {
                    _unreachable = true;
                    LogUnreachable(logger, ex.Message, holder.Current?.Version);
                }

                delay = backoff;
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }

            if (delay is { } d)
            {
                try
                {
                    await Task.Delay(d, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One long-poll; returns how long to wait before the next one (null: at once).</summary>
    internal async Task<TimeSpan?> PollOnceAsync(CancellationToken cancellationToken)
    {
        var wait = (int)Math.Ceiling(options.PollTimeout.TotalSeconds);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{EdgeApi.ConfigPath}?{EdgeApi.WaitParameter}={wait.ToString(CultureInfo.InvariantCulture)}");
        if (holder.Current is { } current)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(SignedConfiguration.FormatETag(current.Version, current.Hash)));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.PollTimeout + TimeSpan.FromSeconds(10));
        using var response = await connection.Client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            _lastUnexpectedStatus = 0;
            return null;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            // 401 (key revoked), 404 (nothing published yet), 5xx: said once, retried quietly.
            if ((int)response.StatusCode != _lastUnexpectedStatus)
            {
                _lastUnexpectedStatus = (int)response.StatusCode;
                LogUnexpectedStatus(logger, _lastUnexpectedStatus);
            }

            return options.RetryDelay;
        }

        _lastUnexpectedStatus = 0;

        var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
        var result = verifier.Verify(bytes);
        if (!result.Ok)
        {
            return Refuse(result.Envelope, result.Error!);
        }

        var envelope = result.Envelope!;
        var outcome = holder.Apply(new AppliedConfiguration(result.Configuration!, envelope.Version, envelope.Hash, time.GetUtcNow(), ConfigurationSource.ControlPlane));
        switch (outcome)
        {
            case ApplyOutcome.Applied:
                lastGood.Write(bytes);
                _lastRefusedETag = null;
                LogApplied(logger, envelope.Version, envelope.Hash);
                return null;
            case ApplyOutcome.OlderThanRunning:
                return Refuse(envelope, $"Version {envelope.Version} is not newer than the running version {holder.Current?.Version}.");
            default:
                return null;
        }
    }

    private TimeSpan Refuse(SignedConfiguration? envelope, string reason)
    {
        holder.RecordRefusal(new ConfigurationRefusal(envelope?.Version, reason, time.GetUtcNow()));
        var etag = envelope?.ETag ?? reason;
        if (etag != _lastRefusedETag)
        {
            _lastRefusedETag = etag;
            LogRefused(logger, envelope?.Version, reason, holder.Current?.Version);
        }

        return options.RetryDelay;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Applied configuration version {Version} ({Hash})")]
    private static partial void LogApplied(ILogger logger, long version, string hash);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Refused configuration version {Version}: {Reason}; keeping version {Running}")]
    private static partial void LogRefused(ILogger logger, long? version, string reason, long? running);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Control plane unreachable ({Error}); serving configuration version {Running}")]
    private static partial void LogUnreachable(ILogger logger, string error, long? running);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Control plane reachable again")]
    private static partial void LogReachable(ILogger logger);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Control plane answered the config request with HTTP {Status}")]
    private static partial void LogUnexpectedStatus(ILogger logger, int status);
}
