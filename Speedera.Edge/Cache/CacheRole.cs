using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Speedera.Core.Cache;
using Speedera.Core.ControlPlane;
using Speedera.Core.Reports;
using Speedera.Edge.ControlPlane;
using Speedera.Edge.Hosting;

namespace Speedera.Edge.Cache;

/// <summary>
/// The cache role on an edge node: the caching proxy on <see cref="EdgeOptions.CacheListen"/> (and
/// <see cref="EdgeOptions.CacheAlsoListen"/>), purge orders long-polled from the control plane and
/// reported back, usage rollups sent home as uploads.
/// </summary>
public sealed partial class CacheRole : IEdgeRole
{
    private static readonly TimeSpan UsageInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PurgeWait = TimeSpan.FromSeconds(25);
    private readonly EdgeRoleContext context;
    private readonly ILogger logger;
    private CancellationTokenSource? stopping;
    private Task loops = Task.CompletedTask;
    private volatile string? purgeProblem;

    public CacheRole(EdgeRoleContext context)
    {
        this.context = context;
        logger = context.LoggerFactory.CreateLogger<CacheRole>();
    }

    public string Name => "cache";

    /// <summary>Created on start, once the node's configuration (and so its POP) is known.</summary>
    public CacheServerHost? Host { get; private set; }

    public RoleHealth Health => Host is null || Host.Addresses.Count == 0
        ? RoleHealth.Starting
        : purgeProblem is { } problem
            ? new RoleHealth(RoleStatus.Degraded, problem)
            : new RoleHealth(RoleStatus.Healthy, $"{string.Join(" ", Host.Addresses)}, {Host.Store.Count} objects");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = context.Options;
        Host = new CacheServerHost(
            new CacheServerOptions
            {
                ListenEndpoint = options.CacheListen,
                AdditionalListenEndpoints = options.CacheAlsoListen,
                NodeId = options.NodeId,
                PopId = PopOf(context) ?? "unknown",
                DiskPath = Path.Combine(options.DataDirectory, "cache"),
                AccessLogPath = Path.Combine(options.DataDirectory, "logs", "access.log"),
                LoggerFactory = context.LoggerFactory,
                TimeProvider = context.TimeProvider,
                StatusSite = context.Services.GetService<StatusSiteHolder>() is { } site ? () => site.Current : null,
            },
            () => context.Configuration.Current?.Configuration);
        await Host.StartAsync(cancellationToken).ConfigureAwait(false);
        stopping = new CancellationTokenSource();
        var connection = context.Services.GetService<ControlPlaneConnection>();
        loops = Task.WhenAll(
            UsageLoopAsync(stopping.Token),
            connection is null ? Task.CompletedTask : RealtimeLoopAsync(connection.Client, stopping.Token),
            connection is null ? Task.CompletedTask : PurgeLoopAsync(connection.Client, stopping.Token));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (stopping is not null)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            await loops.ConfigureAwait(false);
            stopping.Dispose();
            stopping = null;
        }

        if (Host is { } host)
        {
            await host.StopAsync(cancellationToken).ConfigureAwait(false);
            DrainUsage(includeCurrent: true);
            await host.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string? PopOf(EdgeRoleContext context) =>
        context.Configuration.Current?.Configuration.Nodes.FirstOrDefault(n => n.Id == context.Options.NodeId)?.PopId;

    private async Task UsageLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(UsageInterval, context.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                DrainUsage(includeCurrent: false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Every second, the seconds just finished go to the control plane's live view (best effort, never spooled).</summary>
    private async Task RealtimeLoopAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), context.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var rows = Host?.Usage.DrainSeconds(RealtimeKeep) ?? [];
                if (rows.Count == 0)
                {
                    continue;
                }

                var report = new RealtimeReport(context.Options.NodeId, PopOf(context) ?? Host!.Usage.PopId, rows.Count > RealtimeReport.MaxRows ? rows.Skip(rows.Count - RealtimeReport.MaxRows).ToList() : rows);
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    timeout.CancelAfter(TimeSpan.FromSeconds(2));
                    using var response = await client.PostAsJsonAsync(RealtimeReport.Path, report, RealtimeJson.Default.RealtimeReport, timeout.Token).ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode && realtimeFailures++ % 60 == 0)
                    {
                        LogRealtimeFailed(logger, $"control plane answered {(int)response.StatusCode}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    // Dropped: the minute rollups carry the durable figures. Said once a minute at most.
                    if (realtimeFailures++ % 60 == 0)
                    {
                        LogRealtimeFailed(logger, ex.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static readonly TimeSpan RealtimeKeep = TimeSpan.FromSeconds(10);
    private long realtimeFailures;

    private void DrainUsage(bool includeCurrent)
    {
        var rows = Host?.Usage.Drain(includeCurrent) ?? [];

        // A cache that started before its first configuration did not know its POP yet: name it now.
        if (rows.Count > 0 && PopOf(context) is { } pop && rows.Any(r => r.PopId != pop))
        {
            rows = [.. rows.Select(r => r with { PopId = pop })];
        }

        if (rows.Count > 0)
        {
            context.Uploader.Enqueue(UploadKinds.Usage, rows.ToArray(), EdgeReportJson.Default.UsageRollupArray);
        }
    }

    /// <summary>
    /// Long-polls the orders this node has not done, applies each, and reports the results. An
    /// order applied twice (a lost report) purges nothing more, so retrying is always safe.
    /// </summary>
    private async Task PurgeLoopAsync(HttpClient client, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync($"{EdgeApi.PurgesPath}?{EdgeApi.WaitParameter}={(int)PurgeWait.TotalSeconds}", cancellationToken).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    purgeProblem = $"purge orders: control plane answered {(int)response.StatusCode}";
                    await Task.Delay(context.Options.RetryDelay, context.TimeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var orders = await response.Content.ReadFromJsonAsync(EdgeReportJson.Default.PurgeOrderArray, cancellationToken).ConfigureAwait(false) ?? [];
                if (orders.Length == 0)
                {
                    purgeProblem = null;
                    continue;
                }

                var results = orders.Select(Host!.ApplyPurge).ToArray();
                foreach (var result in results)
                {
                    LogApplied(logger, result.OrderId, result.ObjectsAffected);
                }

                using var report = await client.PostAsJsonAsync(EdgeApi.PurgeResultsPath, results, EdgeReportJson.Default.PurgeResultArray, cancellationToken).ConfigureAwait(false);
                purgeProblem = report.IsSuccessStatusCode ? null : $"purge results: control plane answered {(int)report.StatusCode}";
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                // Static stability: the cache keeps serving; orders are fetched again once the control plane answers.
                purgeProblem = "purge orders: control plane unreachable";
                LogPurgePollFailed(logger, ex.Message);
                try
                {
                    await Task.Delay(context.Options.RetryDelay, context.TimeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "Applied purge order {OrderId}: {Objects} objects")]
    private static partial void LogApplied(ILogger logger, Guid orderId, int objects);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "Could not poll purge orders: {Error}")]
    private static partial void LogPurgePollFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 5399, Level = LogLevel.Warning, Message = "Real-time report not delivered (dropped; minute rollups are unaffected): {Error}")]
    private static partial void LogRealtimeFailed(ILogger logger, string error);
}
