using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Status;

/// <summary>NOC staff schedule and cancel maintenance; each change republishes the status site.</summary>
public sealed class MaintenanceService(SpeederaDbContext db, TimeProvider time, StatusSiteSignal signal)
{
    public async Task<IReadOnlyList<MaintenanceEntity>> ListAsync(CancellationToken cancellationToken = default)
    {
        var since = time.GetUtcNow().UtcDateTime.AddDays(-14);
        return await db.Maintenances.AsNoTracking().Where(m => m.EndsAt >= since).OrderBy(m => m.StartsAt).ToListAsync(cancellationToken);
    }

    public async Task<Guid> ScheduleAsync(string title, string description, string components, DateTime startsAt, DateTime endsAt, string author, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(title) || endsAt <= startsAt)
        {
            throw new ArgumentException("A maintenance needs a title and an end after its start.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var m = new MaintenanceEntity
        {
            Id = Guid.NewGuid(), Title = title.Trim(), Description = description.Trim(),
            Components = string.Join(' ', components.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Distinct().Order(StringComparer.Ordinal)),
            StartsAt = DateTime.SpecifyKind(startsAt, DateTimeKind.Utc), EndsAt = DateTime.SpecifyKind(endsAt, DateTimeKind.Utc),
            CreatedAt = now, UpdatedAt = now, CreatedBy = author,
        };
        db.Maintenances.Add(m);
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        return m.Id;
    }

    public async Task CancelAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var m = await db.Maintenances.FirstAsync(x => x.Id == id, cancellationToken);
        m.Cancelled = true;
        m.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
    }
}
