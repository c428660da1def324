using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;
using Speedera.Web.Features.Status;

namespace Speedera.Web.Features.Incidents;

/// <summary>
/// Evaluates the alert rules every <see cref="AlertOptions.EvaluationInterval"/> on the instance holding the lease,
/// applies them to incidents, and records each component's observed state for the uptime bars.
/// </summary>
public sealed partial class AlertEvaluator(
    IServiceScopeFactory scopes,
    IOptions<AlertOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<AlertEvaluator> logger) : BackgroundService
{
    internal const string LeaseName = "alert-evaluator";
    /// <summary>This process's lease holder name (unique per start).</summary>
    private static readonly string Instance = $"{Environment.ProcessId}:{Guid.NewGuid():N}";
    private DateTime? _lastPass;
    private DateTime? _holdingSince;

    protected override async Task ExecuteAsync(CancellationToken serviceStopping)
    {
        // Once the process is stopping, its web server no longer takes heartbeats: evaluating then would see every
        // node fall silent.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(serviceStopping, lifetime.ApplicationStopping);
        var stoppingToken = linked.Token;
        using var timer = new PeriodicTimer(options.Value.EvaluationInterval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One pass; false when another instance holds the lease.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var o = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        if (!await Reports.JobLease.TryAcquireAsync(db, LeaseName, Instance, new DateTimeOffset(now), o.EvaluationInterval * 3, cancellationToken))
        {
            _lastPass = null;
            _holdingSince = null;
            return false;
        }

        if (_lastPass is null || now - _lastPass.Value > o.EvaluationInterval * 3)
        {
            _holdingSince = now;
        }

        var snapshot = await NocSnapshot.LoadAsync(db, now, o.RateWindow, cancellationToken);
        var alerts = AlertRules.Evaluate(snapshot, o, _holdingSince);
        var incidents = scope.ServiceProvider.GetRequiredService<IncidentService>();
        await incidents.ApplyAlertsAsync(alerts, cancellationToken);

        var maintenance = await StatusQueries.ComponentsUnderMaintenanceAsync(db, now, cancellationToken);
        var components = StatusComponents.Compute(snapshot, o, alerts, maintenance, _holdingSince);
        await RecordUptimeAsync(db, components, now, o, cancellationToken);

        await db.NodeCounterSamples.Where(s => s.At < now - o.RateWindow - o.RateWindow - TimeSpan.FromMinutes(5)).ExecuteDeleteAsync(cancellationToken);
        return true;
    }

    private async Task RecordUptimeAsync(SpeederaDbContext db, IReadOnlyList<ComponentStatus> components, DateTime now, AlertOptions o, CancellationToken cancellationToken)
    {
        // The time since the last pass is what this pass observed (capped, so a paused process does not claim a day).
        var last = _lastPass;
        _lastPass = now;
        if (last is null || now <= last.Value)
        {
            return;
        }

        var seconds = Math.Min((now - last.Value).TotalSeconds, o.EvaluationInterval.TotalSeconds * 3);
        var day = now.Date;
        var rows = await db.ComponentUptimes.Where(u => u.Day == day).ToDictionaryAsync(u => u.ComponentId, cancellationToken);
        foreach (var c in components)
        {
            if (!rows.TryGetValue(c.Id, out var row))
            {
                row = new ComponentUptimeEntity { ComponentId = c.Id, Day = day };
                db.ComponentUptimes.Add(row);
            }

            row.ObservedSeconds += seconds;
            if (c.State is ComponentState.MajorOutage)
            {
                row.DownSeconds += seconds;
            }
            else if (c.State is ComponentState.PartialOutage or ComponentState.DegradedPerformance)
            {
                row.DegradedSeconds += seconds;
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 4501, Level = LogLevel.Error, Message = "Alert evaluation failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
