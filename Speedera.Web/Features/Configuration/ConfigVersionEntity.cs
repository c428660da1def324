using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Speedera.Web.Features.Configuration;

/// <summary>One published network configuration: the signed envelope exactly as edge nodes receive it.</summary>
public sealed class ConfigVersionEntity
{
    public long Version { get; set; }

    /// <summary>SHA-256 of the signed document bytes.</summary>
    public required string Hash { get; set; }

    /// <summary>SHA-256 of the content without version, time and SOA serials; equal means nothing changed.</summary>
    public required string ContentHash { get; set; }

    public required string KeyId { get; set; }

    public required string Author { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string Summary { get; set; }

    /// <summary>Set when this version re-publishes the content of an older one.</summary>
    public long? RolledBackFrom { get; set; }

    /// <summary>The <see cref="Speedera.Core.Configuration.SignedConfiguration"/> JSON.</summary>
    public required byte[] Envelope { get; set; }
}

internal sealed class ConfigVersionEntityConfiguration : IEntityTypeConfiguration<ConfigVersionEntity>
{
    public void Configure(EntityTypeBuilder<ConfigVersionEntity> b)
    {
        b.ToTable("ConfigVersions");
        b.HasKey(v => v.Version);
        b.Property(v => v.Version).ValueGeneratedNever();
        b.Property(v => v.Hash).HasMaxLength(64);
        b.Property(v => v.ContentHash).HasMaxLength(64);
        b.Property(v => v.KeyId).HasMaxLength(16);
        b.Property(v => v.Author).HasMaxLength(256);
        b.Property(v => v.Summary).HasMaxLength(2000);
    }
}
