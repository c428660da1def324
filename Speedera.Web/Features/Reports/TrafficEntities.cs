using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Speedera.Web.Features.Reports;

/// <summary>One hour of cache traffic for a hostname on a POP and node: minute rollups older than the minute window, summed.</summary>
public sealed class UsageHourlyEntity
{
    public DateTime Hour { get; set; }

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

/// <summary>
/// A minute of one node's cache traffic on a POP summed over all hostnames: written with each usage upload so that the
/// network-wide graphs (NOC, per POP, per node) read one row per node and minute instead of one per hostname.
/// </summary>
public sealed class UsagePopMinuteEntity
{
    public DateTime Minute { get; set; }

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

/// <summary>One hour of a node's traffic on a POP over all hostnames (<see cref="UsagePopMinuteEntity"/> rows past the minute window, summed).</summary>
public sealed class UsagePopHourlyEntity
{
    public DateTime Hour { get; set; }

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

/// <summary>One hour of GTM decisions: minute decision counts older than the minute window, summed.</summary>
public sealed class DecisionHourlyEntity
{
    public DateTime Hour { get; set; }

    public required string NodeId { get; set; }

    public required string Hostname { get; set; }

    public required string Address { get; set; }

    public required string PopId { get; set; }

    public string Reason { get; set; } = "";

    public long Count { get; set; }
}

/// <summary>How many GTM queries for a hostname one client group sent through one resolver in a minute (a dns node's count).</summary>
public sealed class ClientGroupCountEntity
{
    public DateTime Minute { get; set; }

    public required string NodeId { get; set; }

    public required string Hostname { get; set; }

    /// <summary>The ECS subnet as the query gave it, else the resolver's /24 (IPv6 /56), e.g. "81.2.69.0/24".</summary>
    public required string ClientSubnet { get; set; }

    public required string Resolver { get; set; }

    public long Count { get; set; }
}

/// <summary>A named lease so that a scheduled job runs on one portal instance at a time.</summary>
public sealed class JobLeaseEntity
{
    public required string Name { get; set; }

    public required string Holder { get; set; }

    public DateTime ExpiresAt { get; set; }
}

internal sealed class UsageHourlyEntityConfiguration : IEntityTypeConfiguration<UsageHourlyEntity>
{
    public void Configure(EntityTypeBuilder<UsageHourlyEntity> b)
    {
        b.ToTable("UsageHourly");
        b.HasKey(u => new { u.Hour, u.Hostname, u.PopId, u.NodeId });
        b.Property(u => u.Hostname).HasMaxLength(253);
        b.Property(u => u.PopId).HasMaxLength(16);
        b.Property(u => u.NodeId).HasMaxLength(64);
        b.HasIndex(u => new { u.Hostname, u.Hour });
    }
}

internal sealed class UsagePopMinuteEntityConfiguration : IEntityTypeConfiguration<UsagePopMinuteEntity>
{
    public void Configure(EntityTypeBuilder<UsagePopMinuteEntity> b)
    {
        b.ToTable("UsagePopMinutes");
        b.HasKey(u => new { u.Minute, u.PopId, u.NodeId });
        b.Property(u => u.PopId).HasMaxLength(16);
        b.Property(u => u.NodeId).HasMaxLength(64);
    }
}

internal sealed class UsagePopHourlyEntityConfiguration : IEntityTypeConfiguration<UsagePopHourlyEntity>
{
    public void Configure(EntityTypeBuilder<UsagePopHourlyEntity> b)
    {
        b.ToTable("UsagePopHourly");
        b.HasKey(u => new { u.Hour, u.PopId, u.NodeId });
        b.Property(u => u.PopId).HasMaxLength(16);
        b.Property(u => u.NodeId).HasMaxLength(64);
    }
}

internal sealed class DecisionHourlyEntityConfiguration : IEntityTypeConfiguration<DecisionHourlyEntity>
{
    public void Configure(EntityTypeBuilder<DecisionHourlyEntity> b)
    {
        b.ToTable("DecisionHourly");
        b.HasKey(d => new { d.Hour, d.NodeId, d.Hostname, d.Address, d.PopId, d.Reason });
        b.Property(d => d.NodeId).HasMaxLength(64);
        b.Property(d => d.Hostname).HasMaxLength(253);
        b.Property(d => d.Address).HasMaxLength(45);
        b.Property(d => d.PopId).HasMaxLength(16);
        b.Property(d => d.Reason).HasMaxLength(24);
        b.HasIndex(d => new { d.Hostname, d.Hour });
    }
}

internal sealed class ClientGroupCountEntityConfiguration : IEntityTypeConfiguration<ClientGroupCountEntity>
{
    public void Configure(EntityTypeBuilder<ClientGroupCountEntity> b)
    {
        b.ToTable("ClientGroupCounts");
        b.HasKey(c => new { c.Minute, c.Hostname, c.ClientSubnet, c.Resolver, c.NodeId });
        b.Property(c => c.NodeId).HasMaxLength(64);
        b.Property(c => c.Hostname).HasMaxLength(253);
        b.Property(c => c.ClientSubnet).HasMaxLength(49);
        b.Property(c => c.Resolver).HasMaxLength(45);
        b.HasIndex(c => new { c.Hostname, c.Minute });
    }
}

internal sealed class JobLeaseEntityConfiguration : IEntityTypeConfiguration<JobLeaseEntity>
{
    public void Configure(EntityTypeBuilder<JobLeaseEntity> b)
    {
        b.ToTable("JobLeases");
        b.HasKey(l => l.Name);
        b.Property(l => l.Name).HasMaxLength(64);
        b.Property(l => l.Holder).HasMaxLength(128);
    }
}
