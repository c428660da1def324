using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Incidents;

/// <summary>
/// A lease row per job: an instance runs the job only while it holds the lease, so several control-plane instances
/// behind a load balancer evaluate alerts once. Taking it is one conditional UPDATE, atomic in every provider.
/// </summary>
public static class JobLease
{
    /// <summary>This process's holder name (unique per start).</summary>
    public static readonly string Instance = $"{Environment.ProcessId}:{Guid.NewGuid():N}";

    public static async Task<bool> TryAcquireAsync(SpeederaDbContext db, string name, string holder, DateTime now, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var until = now + ttl;
        var taken = await db.JobLeases.Where(l => l.Name == name && (l.Holder == holder || l.ExpiresAt < now))
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.Holder, holder).SetProperty(l => l.ExpiresAt, until), cancellationToken);
        if (taken == 1)
        {
            return true;
        }

        if (await db.JobLeases.AnyAsync(l => l.Name == name, cancellationToken))
        {
            return false;
        }

        try
        {
            db.JobLeases.Add(new JobLeaseEntity { Name = name, Holder = holder, ExpiresAt = until });
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another instance inserted it first.
            db.ChangeTracker.Clear();
            return false;
        }
    }
}
