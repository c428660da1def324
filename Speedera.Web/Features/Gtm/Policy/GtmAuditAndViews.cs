using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Speedera.Core.Gtm;
using Speedera.Core.Reports;
using Speedera.Web.Data;
using Speedera.Web.Features.Reports;

namespace Speedera.Web.Features.Gtm.Policy;

/// <summary>One saved change of a hostname's region policy (the audit trail): who, when, what, and the version it published.</summary>
public sealed class GtmPolicyChangeEntity
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid HostnameId { get; set; }

    public DateTime ChangedAt { get; set; }

    public required string ChangedBy { get; set; }

    /// <summary>The policy after the change (empty policy JSON when the rules were removed).</summary>
    public required string PolicyJson { get; set; }

    /// <summary>Null when the change left the configuration document as it was (nothing new to publish).</summary>
    public long? PublishedVersion { get; set; }
}

/// <summary>The newest view a dns node reported of its own metric tables (<see cref="DnsNodeView"/>).</summary>
public sealed class DnsNodeViewEntity
{
    public required string NodeId { get; set; }

    public DateTime TakenAt { get; set; }

    public DateTime ReceivedAt { get; set; }

    public long? ConfigurationVersion { get; set; }

    public required string ViewJson { get; set; }
}

internal sealed class GtmPolicyChangeEntityConfiguration : IEntityTypeConfiguration<GtmPolicyChangeEntity>
{
    public void Configure(EntityTypeBuilder<GtmPolicyChangeEntity> b)
    {
        // No foreign key to the hostname: the trail outlives a deleted hostname.
        b.ToTable("GtmPolicyChanges");
        b.HasKey(c => c.Id);
        b.HasIndex(c => new { c.HostnameId, c.ChangedAt });
        b.Property(c => c.ChangedBy).HasMaxLength(256);
        b.Property(c => c.PolicyJson).HasMaxLength(64_000);
    }
}

internal sealed class DnsNodeViewEntityConfiguration : IEntityTypeConfiguration<DnsNodeViewEntity>
{
    public void Configure(EntityTypeBuilder<DnsNodeViewEntity> b)
    {
        b.ToTable("DnsNodeViews");
        b.HasKey(v => v.NodeId);
        b.Property(v => v.NodeId).HasMaxLength(64);
    }
}

/// <summary>Keeps each dns node's newest reported view (older or replayed records change nothing).</summary>
public sealed class DnsViewConsumer(TimeProvider time) : IUploadConsumer
{
    public string Kind => Speedera.Core.ControlPlane.UploadKinds.DnsView;

    public async Task ConsumeAsync(string nodeId, JsonElement payload, SpeederaDbContext db, CancellationToken cancellationToken)
    {
        var view = payload.Deserialize(EdgeReportJson.Default.DnsNodeView);
        if (view is null)
        {
            return;
        }

        // The authenticated node, not the payload, names whose view this is.
        view = view with { NodeId = nodeId };
        var json = JsonSerializer.Serialize(view, EdgeReportJson.Default.DnsNodeView);
        var takenAt = view.TakenAt.UtcDateTime;
        var entity = await db.DnsNodeViews.FindAsync([nodeId], cancellationToken);
        if (entity is null)
        {
            db.DnsNodeViews.Add(new DnsNodeViewEntity { NodeId = nodeId, TakenAt = takenAt, ReceivedAt = time.GetUtcNow().UtcDateTime, ConfigurationVersion = view.ConfigurationVersion, ViewJson = json });
        }
        else if (takenAt >= entity.TakenAt)
        {
            entity.TakenAt = takenAt;
            entity.ReceivedAt = time.GetUtcNow().UtcDateTime;
            entity.ConfigurationVersion = view.ConfigurationVersion;
            entity.ViewJson = json;
        }
    }
}
