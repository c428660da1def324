using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Speedera.Web.Features.Gtm.Policy;

/// <summary>
/// A GTM hostname's region rules and geoproximity settings, as the JSON of <see cref="GtmPolicy"/>
/// (targets are the hostname's addresses or "pop:" POP ids; the generator turns addresses into server ids).
/// </summary>
public sealed class GtmPolicyEntity
{
    public Guid HostnameId { get; set; }

    public required string PolicyJson { get; set; }

    public DateTime UpdatedAt { get; set; }

    public required string UpdatedBy { get; set; }
}

internal sealed class GtmPolicyEntityConfiguration : IEntityTypeConfiguration<GtmPolicyEntity>
{
    public void Configure(EntityTypeBuilder<GtmPolicyEntity> b)
    {
        b.ToTable("GtmPolicies");
        b.HasKey(p => p.HostnameId);
        b.HasOne<Data.HostnameEntity>().WithOne().HasForeignKey<GtmPolicyEntity>(p => p.HostnameId).OnDelete(DeleteBehavior.Cascade);
        b.Property(p => p.PolicyJson).HasMaxLength(64_000);
        b.Property(p => p.UpdatedBy).HasMaxLength(256);
    }
}
