using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Speedera.Web.Data;

internal sealed class HostnameEntityConfiguration : IEntityTypeConfiguration<HostnameEntity>
{
    public void Configure(EntityTypeBuilder<HostnameEntity> b)
    {
        b.ToTable("Hostnames");
        b.Property(h => h.Name).HasMaxLength(253);
        // Several organizations may claim a name while it is unverified; one name is active at most once.
        b.HasIndex(h => h.Name);
        b.HasIndex(h => h.Name, "IX_Hostnames_Name_Active").IsUnique().HasFilter("\"Verification\" = 'Active'");
        b.Property(h => h.ChallengeToken).HasMaxLength(64);
        b.Property(h => h.Alias).HasMaxLength(253);
        b.HasIndex(h => h.Alias).IsUnique();
        b.HasIndex(h => h.OrganizationId);
        b.Property(h => h.VerificationError).HasMaxLength(1000);
        b.Property(h => h.TestPath).HasMaxLength(500);
        b.Property(h => h.TestExpectedContent).HasMaxLength(500);
        b.Property(h => h.Origin).HasMaxLength(253);
        b.Property(h => h.OriginScheme).HasMaxLength(5);
        b.Property(h => h.OriginHostHeader).HasMaxLength(253);
        b.HasOne(h => h.Organization).WithMany().HasForeignKey(h => h.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class HostnameAddressConfiguration : IEntityTypeConfiguration<HostnameAddress>
{
    public void Configure(EntityTypeBuilder<HostnameAddress> b)
    {
        b.ToTable("HostnameAddresses");
        b.Property(a => a.Address).HasMaxLength(45);
        b.Property(a => a.Description).HasMaxLength(200);
        b.Property(a => a.PopId).HasMaxLength(16);
        b.HasIndex(a => new { a.HostnameId, a.Address }).IsUnique();
        b.HasOne(a => a.Hostname).WithMany(h => h.Addresses).HasForeignKey(a => a.HostnameId).OnDelete(DeleteBehavior.Cascade);
    }
}
