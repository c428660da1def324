using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Speedera.Web.Features.Status;

/// <summary>Scheduled maintenance shown on the status page and in its feeds.</summary>
public sealed class MaintenanceEntity
{
    public Guid Id { get; set; }

    public required string Title { get; set; }

    public string Description { get; set; } = "";

    /// <summary>Component ids, space-separated.</summary>
    public string Components { get; set; } = "";

    public DateTime StartsAt { get; set; }

    public DateTime EndsAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public required string CreatedBy { get; set; }

    public bool Cancelled { get; set; }
}

/// <summary>
/// Seconds a status component was observed per UTC day and how many of them it was down or degraded, recorded by the
/// alert evaluator from heartbeats and probe results: the source of the 90-day uptime bars.
/// </summary>
public sealed class ComponentUptimeEntity
{
    public required string ComponentId { get; set; }

    public DateTime Day { get; set; }

    public double ObservedSeconds { get; set; }

    public double DownSeconds { get; set; }

    public double DegradedSeconds { get; set; }
}

/// <summary>
/// An e-mail subscriber to status notifications. Confirmed by a link (double opt-in); every mail carries a one-click
/// unsubscribe link. The tokens are random capabilities for this one address, kept so each mail can carry them.
/// </summary>
public sealed class StatusSubscriberEntity
{
    public Guid Id { get; set; }

    public required string Email { get; set; }

    /// <summary>Component ids, space-separated; empty means all.</summary>
    public string Components { get; set; } = "";

    public required string ConfirmToken { get; set; }

    public required string UnsubscribeToken { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? ConfirmedAt { get; set; }
}

internal sealed class StatusEntitiesConfiguration :
    IEntityTypeConfiguration<MaintenanceEntity>,
    IEntityTypeConfiguration<ComponentUptimeEntity>,
    IEntityTypeConfiguration<StatusSubscriberEntity>
{
    public void Configure(EntityTypeBuilder<MaintenanceEntity> b)
    {
        b.ToTable("Maintenances");
        b.Property(m => m.Title).HasMaxLength(200);
        b.Property(m => m.Description).HasMaxLength(4000);
        b.Property(m => m.Components).HasMaxLength(400);
        b.Property(m => m.CreatedBy).HasMaxLength(256);
        b.HasIndex(m => m.EndsAt);
    }

    public void Configure(EntityTypeBuilder<ComponentUptimeEntity> b)
    {
        b.ToTable("ComponentUptimes");
        b.HasKey(u => new { u.ComponentId, u.Day });
        b.Property(u => u.ComponentId).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<StatusSubscriberEntity> b)
    {
        b.ToTable("StatusSubscribers");
        b.Property(s => s.Email).HasMaxLength(256);
        b.Property(s => s.Components).HasMaxLength(400);
        b.Property(s => s.ConfirmToken).HasMaxLength(64);
        b.Property(s => s.UnsubscribeToken).HasMaxLength(64);
        b.HasIndex(s => s.Email).IsUnique();
        b.HasIndex(s => s.ConfirmToken).IsUnique();
        b.HasIndex(s => s.UnsubscribeToken).IsUnique();
    }
}
