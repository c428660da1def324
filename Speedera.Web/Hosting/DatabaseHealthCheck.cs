using Microsoft.Extensions.Diagnostics.HealthChecks;
using Speedera.Web.Data;

namespace Speedera.Web.Hosting;

/// <summary>Ready only when the database answers.</summary>
public sealed class DatabaseHealthCheck(SpeederaDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy("database reachable")
                : HealthCheckResult.Unhealthy("database unreachable");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("database error", ex);
        }
    }
}
