using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Speedera.Core.Configuration;

namespace Speedera.Web.Data;

/// <summary>
/// The control plane's database. Features add their entities in partial files
/// (<c>SpeederaDbContext.Feature.cs</c>) through the partial <c>Configure*</c> hooks. The schema
/// is migrated through one subclass per provider (<see cref="SqliteSpeederaDbContext"/>, ...), each
/// with its own EF Core migrations and model snapshot in <c>Data/Migrations/&lt;Provider&gt;</c>.
/// </summary>
public partial class SpeederaDbContext : IdentityDbContext<ApplicationUser>
{
    /// <summary>A context without migrations: for reading an existing database (tests, tools).</summary>
    public SpeederaDbContext(DbContextOptions<SpeederaDbContext> options)
        : base(options)
    {
    }

    protected SpeederaDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<PopEntity> Pops => Set<PopEntity>();

    public DbSet<ServerEntity> Servers => Set<ServerEntity>();

    public DbSet<ServerServiceEntity> ServerServices => Set<ServerServiceEntity>();

    public DbSet<EmailMessage> EmailMessages => Set<EmailMessage>();

    public DbSet<HostnameEntity> Hostnames => Set<HostnameEntity>();

    public DbSet<HostnameAddress> HostnameAddresses => Set<HostnameAddress>();

    /// <summary>The Identity schema version the migrations were written for (set in the Identity options).</summary>
    public static readonly Version IdentitySchema = IdentitySchemaVersions.Version3;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Timestamps are UTC everywhere; SQLite hands DateTime back as Unspecified.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<ServiceType>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<HostnameServices>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<HostnameKind>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<VerificationState>().HaveConversion<string>().HaveMaxLength(16);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<ApplicationUser>(b =>
        {
            b.Property(u => u.DisplayName).HasMaxLength(200);
            b.Property(u => u.OrganizationRole).HasConversion<string>().HasMaxLength(16);
            b.Property(u => u.TimeZone).HasMaxLength(64);
            b.HasOne(u => u.Organization).WithMany(o => o.Users).HasForeignKey(u => u.OrganizationId)
                .OnDelete(DeleteBehavior.Restrict);
        });

        builder.Entity<Organization>(b =>
        {
            b.ToTable("Organizations");
            b.Property(o => o.Name).HasMaxLength(200);
        });

        builder.Entity<PopEntity>(b =>
        {
            b.ToTable("Pops");
            b.Property(p => p.Id).HasMaxLength(16);
            b.Property(p => p.Name).HasMaxLength(100);
            b.Property(p => p.City).HasMaxLength(100);
            b.Property(p => p.Country).HasMaxLength(2);
            b.Property(p => p.Network).HasMaxLength(100);
        });

        builder.Entity<ServerEntity>(b =>
        {
            b.ToTable("Servers");
            b.Property(s => s.Name).HasMaxLength(100);
            b.Property(s => s.Address).HasMaxLength(45);
            b.HasIndex(s => s.Address).IsUnique();
            b.HasOne(s => s.Pop).WithMany(p => p.Servers).HasForeignKey(s => s.PopId).OnDelete(DeleteBehavior.Restrict);
        });

        builder.Entity<ServerServiceEntity>(b =>
        {
            b.ToTable("ServerServices");
            b.Property(s => s.Path).HasMaxLength(500);
            b.Property(s => s.ExpectedContent).HasMaxLength(500);
            b.HasOne(s => s.Server).WithMany(s => s.Services).HasForeignKey(s => s.ServerId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<EmailMessage>(b =>
        {
            b.ToTable("EmailMessages");
            b.Property(m => m.To).HasMaxLength(256);
            b.Property(m => m.Subject).HasMaxLength(300);
            b.Property(m => m.LastError).HasMaxLength(2000);
            b.HasIndex(m => new { m.SentAt, m.NextAttemptAt });
        });

        // Features keep their entities' configuration beside them as IEntityTypeConfiguration<T>.
        builder.ApplyConfigurationsFromAssembly(typeof(SpeederaDbContext).Assembly);
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
