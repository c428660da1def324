using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Speedera.Core.Configuration;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Edge;

/// <summary>An enrolled edge node: where it is, what it runs, and what it last reported.</summary>
public sealed class EdgeNodeEntity
{
    /// <summary>The node id it runs with (<c>--node-id</c>).</summary>
    public required string Id { get; set; }

    public required string PopId { get; set; }

    public PopEntity? Pop { get; set; }

    public NodeRoles Roles { get; set; }

    public string? DnsEndpoint { get; set; }

    public string? MetricsEndpoint { get; set; }

    public string? CacheEndpoint { get; set; }

    public string? LoadPEndpoint { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? LastHeartbeatAt { get; set; }

    public long? RunningVersion { get; set; }

    public string? RunningHash { get; set; }

    /// <summary>The last heartbeat as the node sent it (role health, refusals, spool size).</summary>
    public string? LastHeartbeat { get; set; }

    public List<EdgeNodeKeyEntity> Keys { get; } = [];
}

/// <summary>A node key: only its SHA-256 is kept; the key itself is shown once when issued.</summary>
public sealed class EdgeNodeKeyEntity
{
    public Guid Id { get; set; }

    public required string NodeId { get; set; }

    public EdgeNodeEntity? Node { get; set; }

    /// <summary>Lower-case hex SHA-256 of the key's UTF-8 text.</summary>
    public required string KeyHash { get; set; }

    /// <summary>The first characters of the key, to tell keys apart in the portal.</summary>
    public required string Prefix { get; set; }

    public DateTime IssuedAt { get; set; }

    public required string IssuedBy { get; set; }

    public DateTime? RevokedAt { get; set; }

    public string? RevokedBy { get; set; }
}

/// <summary>One record uploaded by a node; (node, sequence) is the key, so a resent record is stored once.</summary>
public sealed class EdgeUploadEntity
{
    public required string NodeId { get; set; }

    public long Sequence { get; set; }

    public required string Kind { get; set; }

    public DateTime EnqueuedAt { get; set; }

    public DateTime ReceivedAt { get; set; }

    public required string Payload { get; set; }
}

internal sealed class EdgeNodeEntityConfiguration : IEntityTypeConfiguration<EdgeNodeEntity>
{
    public void Configure(EntityTypeBuilder<EdgeNodeEntity> b)
    {
        b.ToTable("EdgeNodes");
        b.Property(n => n.Id).HasMaxLength(64);
        b.Property(n => n.PopId).HasMaxLength(16);
        b.Property(n => n.Roles).HasConversion<string>().HasMaxLength(64);
        b.Property(n => n.DnsEndpoint).HasMaxLength(64);
        b.Property(n => n.MetricsEndpoint).HasMaxLength(64);
        b.Property(n => n.CacheEndpoint).HasMaxLength(64);
        b.Property(n => n.LoadPEndpoint).HasMaxLength(64);
        b.Property(n => n.RunningHash).HasMaxLength(64);
        b.Property(n => n.LastHeartbeat).HasMaxLength(8000);
        b.HasOne(n => n.Pop).WithMany().HasForeignKey(n => n.PopId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class EdgeNodeKeyEntityConfiguration : IEntityTypeConfiguration<EdgeNodeKeyEntity>
{
    public void Configure(EntityTypeBuilder<EdgeNodeKeyEntity> b)
    {
        b.ToTable("EdgeNodeKeys");
        b.Property(k => k.NodeId).HasMaxLength(64);
        b.Property(k => k.KeyHash).HasMaxLength(64);
        b.Property(k => k.Prefix).HasMaxLength(8);
        b.Property(k => k.IssuedBy).HasMaxLength(256);
        b.Property(k => k.RevokedBy).HasMaxLength(256);
        b.HasIndex(k => k.KeyHash).IsUnique();
        b.HasOne(k => k.Node).WithMany(n => n.Keys).HasForeignKey(k => k.NodeId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EdgeUploadEntityConfiguration : IEntityTypeConfiguration<EdgeUploadEntity>
{
    public void Configure(EntityTypeBuilder<EdgeUploadEntity> b)
    {
        b.ToTable("EdgeUploads");
        b.HasKey(u => new { u.NodeId, u.Sequence });
        b.Property(u => u.NodeId).HasMaxLength(64);
        b.Property(u => u.Kind).HasMaxLength(32);
        b.HasIndex(u => new { u.Kind, u.ReceivedAt });
    }
}
