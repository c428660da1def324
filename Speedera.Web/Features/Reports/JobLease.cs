using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Reports;

/// <summary>
/// A lease row per scheduled job in the shared database: the instance that takes it runs the job, the others skip
/// that round. A holder that dies loses the lease when it expires.
/// </summary>
public static class JobLease
{
    /// <summary>True when <paramref name="holder"/> now holds <paramref name="name"/> until <paramref name="now"/> + <paramref name="duration"/>.</summary>
    public static async Task<bool> TryAcquireAsync(SpeederaDbContext db, string name, string holder, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken)
    {
        var at = now.UtcDateTime;
        var until = at + duration;
        int taken = await db.JobLeases
            .Where(l => l.Name == name && (l.ExpiresAt <= at || l.Holder == holder))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.ExpiresAt, until), cancellationToken);
        if (taken == 1)
        {
            return true;
        }

        if (await db.JobLeases.AsNoTracking().AnyAsync(l => l.Name == name, cancellationToken))
        {
            return false;
        }

        db.JobLeases.Add(new JobLeaseEntity { Name = name, Holder = holder, ExpiresAt = until });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another instance inserted the row first: it holds the lease.
            db.ChangeTracker.Clear();
            return false;
        }
    }

    public static Task ReleaseAsync(SpeederaDbContext db, string name, string holder, CancellationToken cancellationToken) =>
        db.JobLeases.Where(l => l.Name == name && l.Holder == holder)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc)), cancellationToken);
}

/// <summary>Runs <see cref="ITrafficStore.MaintainAsync"/> every <see cref="TrafficStoreOptions.MaintenanceInterval"/> on one instance.</summary>
public sealed partial class TrafficMaintenanceService(
    ITrafficStore store,
    IServiceScopeFactory scopes,
    Microsoft.Extensions.Options.IOptions<TrafficStoreOptions> options,
    TimeProvider time,
    ILogger<TrafficMaintenanceService> logger) : BackgroundService
{
    public const string LeaseName = "traffic-maintenance";
    private readonly string holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>One round: take the lease, maintain, release. False when another instance holds the lease.</summary>
    public async Task<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var now = time.GetUtcNow();
        if (!await JobLease.TryAcquireAsync(db, LeaseName, holder, now, TimeSpan.FromHours(1), cancellationToken))
        {
            return false;
        }

        try
        {
            await store.MaintainAsync(now, cancellationToken);
        }
        finally
        {
            await JobLease.ReleaseAsync(db, LeaseName, holder, CancellationToken.None);
        }

        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.MaintenanceInterval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 4602, Level = LogLevel.Warning, Message = "Traffic maintenance failed; the next round retries")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

public static class TrafficServiceCollectionExtensions
{
    /// <summary>The analytics store, its upload consumers' dependency, and the downsampling/retention job.</summary>
    public static IServiceCollection AddTrafficAnalytics(this IServiceCollection services)
    {
        services.AddOptions<TrafficStoreOptions>().BindConfiguration(TrafficStoreOptions.Section)
            .Validate(o => o.MinuteWindow >= TimeSpan.FromHours(1) && o.MinuteWindow.Ticks % TimeSpan.TicksPerHour == 0, "Speedera:Traffic:MinuteWindow must be whole hours, at least 1 (e.g. 2.00:00:00).")
            .Validate(o => o.HourlyRetention > o.MinuteWindow, "Speedera:Traffic:HourlyRetention must be longer than MinuteWindow.")
            .Validate(o => o.ClientGroupRetention > TimeSpan.Zero && o.MaintenanceInterval > TimeSpan.Zero, "Speedera:Traffic:ClientGroupRetention and MaintenanceInterval must be positive.")
            .ValidateOnStart();
        services.AddSingleton<ITrafficStore, RelationalTrafficStore>();
        services.AddSingleton<Components.Shared.WorldMapGeometry>();
        services.AddSingleton<Traffic.TrafficService>();
        services.AddSingleton<Traffic.RealtimeBuffer>();
        services.TryAddSingleton<Traffic.IVisitorLocator, Traffic.GeoVisitorLocator>();
        services.AddSingleton<IUploadConsumer, ClientGroupsConsumer>();
        services.AddSingleton<TrafficMaintenanceService>();
        services.AddHostedService(sp => sp.GetRequiredService<TrafficMaintenanceService>());
        services.AddOptions<Demo.TrafficGeneratorOptions>().BindConfiguration(Demo.TrafficGeneratorOptions.Section)
            .Validate(o => o.QueriesPerSecond is > 0 and <= 1000 && o.RequestsPerSecond is >= 0 and <= 1000, "Speedera:Demo:TrafficGenerator rates must be 1-1000 queries and 0-1000 requests a second.")
            .ValidateOnStart();
        services.AddHostedService<Demo.TrafficGenerator>();
        return services;
    }
}
