using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speedera.Core.ControlPlane;
using Speedera.Edge.Hosting;

namespace Speedera.Edge.ControlPlane;

/// <summary>Long-polls the control plane for the signed status site and hands new versions to the holder.</summary>
public sealed partial class StatusSitePoller(
    EdgeOptions options,
    ControlPlaneConnection connection,
    StatusSiteHolder holder,
    ControlPlaneReachability reachability,
    TimeProvider time,
    ILogger<StatusSitePoller> logger) : BackgroundService
{
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            bool again;
            try
            {
                again = await PollOnceAsync(stoppingToken).ConfigureAwait(false);
                _failing = false;
                reachability.Succeeded();
                holder.ReportControlPlane(null, time.GetUtcNow(), options.NodeId);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                if (!_failing)
                {
                    _failing = true;
                    LogUnreachable(logger, ex.Message, holder.Current?.Version);
                }

                reachability.Failed();
                holder.ReportControlPlane(reachability.UnreachableSince, time.GetUtcNow(), options.NodeId);

                again = false;
            }

            if (!again)
            {
                try
                {
                    await Task.Delay(options.RetryDelay, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    internal async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        var wait = (int)Math.Ceiling(options.PollTimeout.TotalSeconds);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{EdgeApi.StatusSitePath}?{EdgeApi.WaitParameter}={wait.ToString(CultureInfo.InvariantCulture)}");
        if (holder.Current is { } current)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(current.ETag));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.PollTimeout + TimeSpan.FromSeconds(10));
        using var response = await connection.Client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return true;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
        if (!holder.TryApply(bytes, persist: true, out var error))
        {
            LogRefused(logger, error ?? "unknown");
            return false;
        }

        LogApplied(logger, holder.Current?.Version ?? 0);
        return true;
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Status site version {Version} applied")]
    private static partial void LogApplied(ILogger logger, long version);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Error, Message = "Status site refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "Status site: control plane unreachable ({Error}); serving version {Running}")]
    private static partial void LogUnreachable(ILogger logger, string error, long? running);
}
