using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Speedera.Web.Features.Incidents;

/// <summary>Where an incident stands; the public names Statuspage uses.</summary>
public enum IncidentState
{
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

public enum IncidentImpact
{
    Minor,
    Major,
    Critical,
}

/// <summary>
/// An incident: opened by an alert (or by hand), attached to by further alerts, acknowledged, annotated and resolved
/// by NOC staff or by its alerts clearing. Public incidents appear on the status page with their public updates.
/// </summary>
public sealed class IncidentEntity
{
    public Guid Id { get; set; }

    public required string Title { get; set; }

    public IncidentState State { get; set; }

    public IncidentImpact Impact { get; set; }

    /// <summary>Status-page component ids affected, space-separated (e.g. <c>dns cdn-europe</c>).</summary>
    public string Components { get; set; } = "";

    /// <summary>Shown on the public status page.</summary>
    public bool Public { get; set; } = true;

    public DateTime StartedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? AcknowledgedAt { get; set; }

    public string? AcknowledgedBy { get; set; }

    public DateTime? ResolvedAt { get; set; }

    public string? ResolvedBy { get; set; }

    public List<IncidentEventEntity> Events { get; } = [];
}

public enum IncidentEventKind
{
    Opened,
    AlertFired,
    AlertCleared,
    Acknowledged,
    Note,
    Update,
    Resolved,
}

/// <summary>One entry of an incident's timeline. Public entries (state updates) are the status page's and feeds' updates.</summary>
public sealed class IncidentEventEntity
{
    public Guid Id { get; set; }

    public Guid IncidentId { get; set; }

    public IncidentEntity? Incident { get; set; }

    public DateTime At { get; set; }

    public IncidentEventKind Kind { get; set; }

    /// <summary>The incident's state after this entry.</summary>
    public IncidentState State { get; set; }

    public required string Message { get; set; }

    public required string Author { get; set; }

    public bool Public { get; set; }
}

/// <summary>The state of one alert (a rule applied to one subject, e.g. <c>heartbeat-missing:node-a</c>).</summary>
public sealed class AlertStateEntity
{
    public required string Key { get; set; }

    public required string Rule { get; set; }

    public required string Subject { get; set; }

    public bool Firing { get; set; }

    public DateTime Since { get; set; }

    public DateTime EvaluatedAt { get; set; }

    public string Detail { get; set; } = "";

    public Guid? IncidentId { get; set; }
}

/// <summary>Where alert notifications are posted, signed with the endpoint's secret (kept protected at rest).</summary>
public sealed class WebhookEndpointEntity
{
    public Guid Id { get; set; }

    public required string Url { get; set; }

    public required string ProtectedSecret { get; set; }

    public bool Enabled { get; set; } = true;

    public DateTime CreatedAt { get; set; }
}

/// <summary>One notification to one endpoint, retried with backoff until it is accepted or attempts run out.</summary>
public sealed class WebhookDeliveryEntity
{
    public Guid Id { get; set; }

    public Guid EndpointId { get; set; }

    public required string EventType { get; set; }

    public required string Payload { get; set; }

    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime NextAttemptAt { get; set; }

    public DateTime? DeliveredAt { get; set; }

    public int? LastStatus { get; set; }

    public string? LastError { get; set; }
}

/// <summary>Cumulative counters from one heartbeat (rates are differences between samples).</summary>
public sealed class NodeCounterSampleEntity
{
    public required string NodeId { get; set; }

    public DateTime At { get; set; }

    public long DnsQueries { get; set; }

    public long DnsServFail { get; set; }

    public long DnsRefused { get; set; }
}

internal sealed class IncidentEntitiesConfiguration :
    IEntityTypeConfiguration<IncidentEntity>,
    IEntityTypeConfiguration<IncidentEventEntity>,
    IEntityTypeConfiguration<AlertStateEntity>,
    IEntityTypeConfiguration<WebhookEndpointEntity>,
    IEntityTypeConfiguration<WebhookDeliveryEntity>,
    IEntityTypeConfiguration<NodeCounterSampleEntity>
{
    public void Configure(EntityTypeBuilder<IncidentEntity> b)
    {
        b.ToTable("Incidents");
        b.Property(i => i.Title).HasMaxLength(200);
        b.Property(i => i.State).HasConversion<string>().HasMaxLength(16);
        b.Property(i => i.Impact).HasConversion<string>().HasMaxLength(16);
        b.Property(i => i.Components).HasMaxLength(400);
        b.Property(i => i.AcknowledgedBy).HasMaxLength(256);
        b.Property(i => i.ResolvedBy).HasMaxLength(256);
        b.HasIndex(i => new { i.State, i.StartedAt });
    }

    public void Configure(EntityTypeBuilder<IncidentEventEntity> b)
    {
        b.ToTable("IncidentEvents");
        b.Property(e => e.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(e => e.State).HasConversion<string>().HasMaxLength(16);
        b.Property(e => e.Message).HasMaxLength(4000);
        b.Property(e => e.Author).HasMaxLength(256);
        b.HasOne(e => e.Incident).WithMany(i => i.Events).HasForeignKey(e => e.IncidentId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.IncidentId, e.At });
    }

    public void Configure(EntityTypeBuilder<AlertStateEntity> b)
    {
        b.ToTable("AlertStates");
        b.HasKey(a => a.Key);
        b.Property(a => a.Key).HasMaxLength(400);
        b.Property(a => a.Rule).HasMaxLength(64);
        b.Property(a => a.Subject).HasMaxLength(300);
        b.Property(a => a.Detail).HasMaxLength(1000);
    }

    public void Configure(EntityTypeBuilder<WebhookEndpointEntity> b)
    {
        b.ToTable("WebhookEndpoints");
        b.Property(w => w.Url).HasMaxLength(2000);
        b.Property(w => w.ProtectedSecret).HasMaxLength(1000);
    }

    public void Configure(EntityTypeBuilder<WebhookDeliveryEntity> b)
    {
        b.ToTable("WebhookDeliveries");
        b.Property(d => d.EventType).HasMaxLength(64);
        b.Property(d => d.LastError).HasMaxLength(2000);
        b.HasIndex(d => new { d.DeliveredAt, d.NextAttemptAt });
    }

    public void Configure(EntityTypeBuilder<NodeCounterSampleEntity> b)
    {
        b.ToTable("NodeCounterSamples");
        b.HasKey(s => new { s.NodeId, s.At });
        b.Property(s => s.NodeId).HasMaxLength(64);
    }
}
