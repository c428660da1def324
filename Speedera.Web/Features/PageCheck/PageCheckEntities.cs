using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Speedera.Core.PageCheck;

namespace Speedera.Web.Features.PageCheck;

/// <summary>A page check a customer asked for: one URL from several POPs.</summary>
public sealed class PageCheckEntity
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public required string Url { get; set; }

    /// <summary>The URL without its fragment and trailing-slash differences, for the history per URL.</summary>
    public required string UrlKey { get; set; }

    /// <summary>Set when the URL's host is one of the organization's CDN hostnames (CDN against origin possible).</summary>
    public string? CdnHostname { get; set; }

    public bool RepeatView { get; set; }

    public bool CompareWithOrigin { get; set; }

    public bool FullRender { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string CreatedBy { get; set; }

    public List<PageCheckLocationEntity> Locations { get; } = [];
}

/// <summary>One POP's part of a check: queued until a probe node of the POP claims it, then its uploaded result.</summary>
public sealed class PageCheckLocationEntity
{
    public Guid CheckId { get; set; }

    public required string PopId { get; set; }

    public PageCheckLocationStatus Status { get; set; }

    public string? NodeId { get; set; }

    public DateTime? ClaimedAt { get; set; }

    public DateTime? CompletedAt { get; set; }

    public DateTime Deadline { get; set; }

    public string? Error { get; set; }

    /// <summary>The whole <see cref="PageCheckLocationResult"/> as uploaded (JSON).</summary>
    public string? ResultJson { get; set; }

    /// <summary>Load time of the first view of the first route, for lists and trends without parsing the result.</summary>
    public double? LoadMs { get; set; }

    public long? Bytes { get; set; }

    public int? Requests { get; set; }

    public int? Errors { get; set; }
}

internal sealed class PageCheckEntityConfiguration : IEntityTypeConfiguration<PageCheckEntity>
{
    public void Configure(EntityTypeBuilder<PageCheckEntity> b)
    {
        b.ToTable("PageChecks");
        b.Property(p => p.Url).HasMaxLength(2048);
        b.Property(p => p.UrlKey).HasMaxLength(2048);
        b.Property(p => p.CdnHostname).HasMaxLength(253);
        b.Property(p => p.CreatedBy).HasMaxLength(256);
        b.HasIndex(p => new { p.OrganizationId, p.CreatedAt });
        b.HasMany(p => p.Locations).WithOne().HasForeignKey(l => l.CheckId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PageCheckLocationEntityConfiguration : IEntityTypeConfiguration<PageCheckLocationEntity>
{
    public void Configure(EntityTypeBuilder<PageCheckLocationEntity> b)
    {
        b.ToTable("PageCheckLocations");
        b.HasKey(l => new { l.CheckId, l.PopId });
        b.Property(l => l.PopId).HasMaxLength(16);
        b.Property(l => l.NodeId).HasMaxLength(64);
        b.Property(l => l.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(l => l.Error).HasMaxLength(2000);
        b.HasIndex(l => new { l.PopId, l.Status });
    }
}
