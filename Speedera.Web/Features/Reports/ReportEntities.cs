using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Speedera.Core.Probes;

namespace Speedera.Web.Features.Reports;

/// <summary>The latest service-probe result per (server, service) as seen by one probe node.</summary>
public sealed class ServiceStateEntity
{
    public required string ServerId { get; set; }

    public required string ServiceId { get; set; }

    public required string ProbeNodeId { get; set; }

    public int Value { get; set; }

    public ProbeError Error { get; set; }

    public DateTime MeasuredAt { get; set; }

    public DateTime ReceivedAt { get; set; }
}

/// <summary>How often a dns node answered a hostname with an address in one minute.</summary>
public sealed class DecisionCountEntity
{
    public DateTime Minute { get; set; }

    public required string NodeId { get; set; }

    public required string Hostname { get; set; }

    public required string Address { get; set; }

    public required string PopId { get; set; }

    /// <summary>The engine's reason (a <see cref="Speedera.Core.Gtm.GtmReason"/> name); empty from nodes that predate reasons.</summary>
    public string Reason { get; set; } = "";

    public long Count { get; set; }
}

internal sealed class ServiceStateEntityConfiguration : IEntityTypeConfiguration<ServiceStateEntity>
{
    public void Configure(EntityTypeBuilder<ServiceStateEntity> b)
    {
        b.ToTable("ServiceStates");
        b.HasKey(s => new { s.ServerId, s.ServiceId, s.ProbeNodeId });
        b.Property(s => s.ServerId).HasMaxLength(128);
        b.Property(s => s.ServiceId).HasMaxLength(253);
        b.Property(s => s.ProbeNodeId).HasMaxLength(64);
        b.Property(s => s.Error).HasConversion<string>().HasMaxLength(32);
    }
}

internal sealed class DecisionCountEntityConfiguration : IEntityTypeConfiguration<DecisionCountEntity>
{
    public void Configure(EntityTypeBuilder<DecisionCountEntity> b)
    {
        b.ToTable("DecisionCounts");
        b.HasKey(d => new { d.Minute, d.NodeId, d.Hostname, d.Address, d.PopId, d.Reason });
        b.Property(d => d.NodeId).HasMaxLength(64);
        b.Property(d => d.Reason).HasMaxLength(24);
        b.Property(d => d.Hostname).HasMaxLength(253);
        b.Property(d => d.Address).HasMaxLength(45);
        b.Property(d => d.PopId).HasMaxLength(16);
        b.HasIndex(d => new { d.Hostname, d.Minute });
    }
}
