using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Speedera.Core.Cache;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Content;

/// <summary>A customer's purge order: one URL, a directory, or a whole site.</summary>
public sealed class PurgeOrderEntity
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid HostnameId { get; set; }

    public HostnameEntity? HostnameEntity { get; set; }

    /// <summary>The hostname as the caches know it.</summary>
    public required string Hostname { get; set; }

    public PurgeKind Kind { get; set; }

    public required string Path { get; set; }

    /// <summary>What the customer typed, for the history.</summary>
    public required string Url { get; set; }

    public bool Soft { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string CreatedBy { get; set; }

    public List<PurgeNodeStatusEntity> Nodes { get; } = [];
}

/// <summary>Where one purge order stands on one cache node.</summary>
public sealed class PurgeNodeStatusEntity
{
    public Guid OrderId { get; set; }

    public required string NodeId { get; set; }

    public PurgeStatus Status { get; set; }

    public int ObjectsAffected { get; set; }

    public DateTime? CompletedAt { get; set; }
}

/// <summary>One minute of one hostname's traffic on one cache node (for graphs and invoices).</summary>
public sealed class UsageRollupEntity
{
    public DateTime Minute { get; set; }

    public required string Hostname { get; set; }

    public required string PopId { get; set; }

    public required string NodeId { get; set; }

    public long Requests { get; set; }

    public long BytesToClients { get; set; }

    public long BytesFromOrigin { get; set; }

    public long Status2xx { get; set; }

    public long Status3xx { get; set; }

    public long Status4xx { get; set; }

    public long Status5xx { get; set; }

    public long Hits { get; set; }

    public long Misses { get; set; }
}

internal sealed class PurgeOrderEntityConfiguration : IEntityTypeConfiguration<PurgeOrderEntity>
{
    public void Configure(EntityTypeBuilder<PurgeOrderEntity> b)
    {
        b.ToTable("PurgeOrders");
        b.Property(p => p.Hostname).HasMaxLength(253);
        b.Property(p => p.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(p => p.Path).HasMaxLength(2048);
        b.Property(p => p.Url).HasMaxLength(2300);
        b.Property(p => p.CreatedBy).HasMaxLength(256);
        b.HasIndex(p => new { p.OrganizationId, p.CreatedAt });
        b.HasOne(p => p.HostnameEntity).WithMany().HasForeignKey(p => p.HostnameId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(p => p.Nodes).WithOne().HasForeignKey(n => n.OrderId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PurgeNodeStatusEntityConfiguration : IEntityTypeConfiguration<PurgeNodeStatusEntity>
{
    public void Configure(EntityTypeBuilder<PurgeNodeStatusEntity> b)
    {
        b.ToTable("PurgeNodeStatuses");
        b.HasKey(n => new { n.OrderId, n.NodeId });
        b.Property(n => n.NodeId).HasMaxLength(64);
        b.Property(n => n.Status).HasConversion<string>().HasMaxLength(16);
        b.HasIndex(n => new { n.NodeId, n.Status });
    }
}

internal sealed class UsageRollupEntityConfiguration : IEntityTypeConfiguration<UsageRollupEntity>
{
    public void Configure(EntityTypeBuilder<UsageRollupEntity> b)
    {
        b.ToTable("UsageRollups");
        b.HasKey(u => new { u.Minute, u.Hostname, u.PopId, u.NodeId });
        b.Property(u => u.Hostname).HasMaxLength(253);
        b.Property(u => u.PopId).HasMaxLength(16);
        b.Property(u => u.NodeId).HasMaxLength(64);
        b.HasIndex(u => new { u.Hostname, u.Minute });
    }
}
