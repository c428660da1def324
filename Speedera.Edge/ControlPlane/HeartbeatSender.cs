using System.Net.Http.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speedera.Core.ControlPlane;
using Speedera.Edge.Hosting;

namespace Speedera.Edge.ControlPlane;

/// <summary>
/// Tells the control plane this node is alive, which version it runs and how its roles are, every
/// heartbeat interval and right after each new configuration. The live heartbeat is posted
/// directly (only the latest state matters for "is it up"); a copy also goes through the upload
/// spool as kind <c>heartbeat</c>, so the control plane gets the node's history, including the
/// time it could not be reached.
/// </summary>
public sealed partial class HeartbeatSender(
    EdgeOptions options,
    ControlPlaneConnection connection,
    EdgeStatus status,
    ConfigurationHolder holder,
    IEdgeUploader uploader,
    ControlPlaneReachability reachability,
    TimeProvider time,
    ILogger<HeartbeatSender> logger) : BackgroundService
{
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changed = new SemaphoreSlim(0);
        void OnChanged(AppliedConfiguration _) => changed.Release();
        holder.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await SendOnceAsync(stoppingToken).ConfigureAwait(false);
                try
                {
                    await changed.WaitAsync(options.HeartbeatInterval, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        finally
        {
            holder.Changed -= OnChanged;
            changed.Dispose();
        }
    }

    internal async Task<bool> SendOnceAsync(CancellationToken cancellationToken)
    {
        var gaps = reachability.Unreported();
        var report = status.CreateHeartbeat(time.GetUtcNow()) with { ControlPlaneUnreachable = gaps.Count > 0 ? gaps : null };
        uploader.Enqueue(UploadKinds.Heartbeat, report, EdgeApiJsonContext.Default.HeartbeatReport);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await connection.Client.PostAsJsonAsync(
                EdgeApi.HeartbeatPath, report, EdgeApiJsonContext.Default.HeartbeatReport, timeout.Token).ConfigureAwait(false);
            // An answer of any status means the control plane is reachable; only an accepted heartbeat carried the gaps.
            reachability.Succeeded();
            response.EnsureSuccessStatusCode();
            reachability.Reported(gaps);
            _failing = false;
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or IOException)
        {
            if (ex is not HttpRequestException { StatusCode: not null })
            {
                reachability.Failed();
            }

            if (!_failing)
            {
                _failing = true;
                LogHeartbeatFailed(logger, ex.Message);
            }

            return false;
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Heartbeat failed: {Error}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string error);
}
