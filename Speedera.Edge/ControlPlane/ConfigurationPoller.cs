using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
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
    private string? _lastRefusedETag;
    private int _lastUnexpectedStatus;
    private bool _unreachable;
    private ResiliencePipeline<bool>? _retry;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Failures (no answer, an unexpected status, a refused document) are retried with backoff.
        _retry = ControlPlaneRetry.Create<bool>(
            options.RetryDelay,
            time,
            outcome => outcome.Exception is null ? !outcome.Result : ControlPlaneRetry.IsTransient(outcome.Exception),
            OnRetry);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _retry.ExecuteAsync(static (poller, ct) => new ValueTask<bool>(poller.PollOnceAsync(ct)), this, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            if (_unreachable)
            {
                _unreachable = false;
                LogReachable(logger);
            }
        }
    }

    private void OnRetry(OnRetryArguments<bool> args)
    {
        if (args.Outcome.Exception is { } ex && !_unreachable)
        {
            _unreachable = true;
            LogUnreachable(logger, ex.Message, holder.Current?.Version);
        }
    }

    /// <summary>One long-poll; true when the next may follow at once, false when it should back off.</summary>
    internal async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
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
            return true;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            // 401 (key revoked), 404 (nothing published yet), 5xx: said once, retried quietly.
            if ((int)response.StatusCode != _lastUnexpectedStatus)
            {
                _lastUnexpectedStatus = (int)response.StatusCode;
                LogUnexpectedStatus(logger, _lastUnexpectedStatus);
            }

            return false;
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
                return true;
            case ApplyOutcome.OlderThanRunning:
                return Refuse(envelope, $"Version {envelope.Version} is not newer than the running version {holder.Current?.Version}.");
            default:
                return true;
        }
    }

    private bool Refuse(SignedConfiguration? envelope, string reason)
    {
        holder.RecordRefusal(new ConfigurationRefusal(envelope?.Version, reason, time.GetUtcNow()));
        var etag = envelope?.ETag ?? reason;
        if (etag != _lastRefusedETag)
        {
            _lastRefusedETag = etag;
            LogRefused(logger, envelope?.Version, reason, holder.Current?.Version);
        }

        return false;
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
