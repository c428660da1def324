using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Billing;

/// <summary>
/// Rates the previous month once it is over (plus a delay for late uploads), marks overdue invoices and
/// sends reminders. Every step is idempotent or claimed in the database, so each control-plane instance may run it.
/// </summary>
public sealed partial class BillingScheduler(BillingAdmin admin, BillingRating rating, InvoiceIssuer issuer, IServiceScopeFactory scopes,
    IOptions<BillingOptions> options, TimeProvider time, ILogger<BillingScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await admin.EnsureDefaultPlanAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.Failed(logger, ex);
        }

        if (!options.Value.SchedulerEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.SchedulerInterval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Failed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    internal async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var current = BillingPeriods.MonthStart(now);
        if (now - current >= options.Value.RatingDelay)
        {
            var previous = current.AddMonths(-1);
            var result = await rating.RateAsync(previous, null, cancellationToken);
            if (options.Value.AutoIssue && result.Created > 0)
            {
                await IssueDraftsAsync(previous, cancellationToken);
            }
        }

        await issuer.ProcessDueAsync(cancellationToken);
    }

    private async Task IssueDraftsAsync(DateTime period, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var drafts = await db.Invoices.Where(i => i.PeriodStart == period && i.Status == InvoiceStatus.Draft && i.Kind == InvoiceKind.Invoice)
            .Select(i => i.Id).ToListAsync(cancellationToken);
        foreach (var chunk in drafts.Chunk(100))
        {
            await issuer.IssueManyAsync(chunk, "scheduler", cancellationToken);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1840, LogLevel.Error, "Billing schedule step failed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
