using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Migrations;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Organizations;

/// <summary>
/// A pending (or used) invitation to join an organization. Only the SHA-256 of the link's token is stored;
/// the link works once and until <see cref="ExpiresAt"/>.
/// </summary>
public sealed class OrganizationInvitation
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Organization? Organization { get; set; }

    public required string Email { get; set; }

    public OrganizationRole Role { get; set; }

    public required string TokenHash { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string CreatedBy { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? AcceptedAt { get; set; }

    public string? AcceptedByUserId { get; set; }

    public DateTime? RevokedAt { get; set; }
}

internal sealed class OrganizationInvitationConfiguration : IEntityTypeConfiguration<OrganizationInvitation>
{
    public void Configure(EntityTypeBuilder<OrganizationInvitation> b)
    {
        b.ToTable("OrganizationInvitations");
        b.Property(i => i.Email).HasMaxLength(256);
        b.Property(i => i.Role).HasConversion<string>().HasMaxLength(16);
        b.Property(i => i.TokenHash).HasMaxLength(64);
        b.Property(i => i.CreatedBy).HasMaxLength(256);
        b.Property(i => i.AcceptedByUserId).HasMaxLength(450);
        b.HasIndex(i => i.TokenHash).IsUnique();
        b.HasIndex(i => i.OrganizationId);
        b.HasOne(i => i.Organization).WithMany().HasForeignKey(i => i.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>Data moves of the Organizations migration, shared by the three providers' migrations.</summary>
internal static class OrganizationsMigrationData
{
    /// <summary>Every existing customer user was their organization's only user: they become its owner; existing keys keep full access.</summary>
    public static void Apply(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("UPDATE \"AspNetUsers\" SET \"OrganizationRole\" = 'Owner' WHERE \"OrganizationId\" IS NOT NULL");
        migrationBuilder.Sql("UPDATE \"ApiKeys\" SET \"Scope\" = 'Full'");
    }
}
