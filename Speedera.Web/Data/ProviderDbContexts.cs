using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Speedera.Web.Hosting;

namespace Speedera.Web.Data;

// One context type per provider, so that each provider has its own migrations and model snapshot
// (EF Core picks migrations by the context type in their [DbContext] attribute).

/// <summary>The embedded default; migrations in <c>Data/Migrations/Sqlite</c>.</summary>
public sealed class SqliteSpeederaDbContext(DbContextOptions<SqliteSpeederaDbContext> options) : SpeederaDbContext(options);

/// <summary>Production; migrations in <c>Data/Migrations/Postgres</c>.</summary>
public sealed class PostgresSpeederaDbContext(DbContextOptions<PostgresSpeederaDbContext> options) : SpeederaDbContext(options);

/// <summary>The design card's third provider; migrations in <c>Data/Migrations/SqlServer</c>.</summary>
public sealed class SqlServerSpeederaDbContext(DbContextOptions<SqlServerSpeederaDbContext> options) : SpeederaDbContext(options);

/// <summary>Provider choice in one place: the portal's registration, the design-time factories and tests use it.</summary>
public static class SpeederaDatabase
{
    private static readonly SqliteConnectionSetup SqliteSetup = new();

    // The Identity part of the model follows IdentityOptions from the application's services; outside the
    // portal (dotnet-ef, tests) these stand in for them so every model has the same Identity schema.
    private static readonly IServiceProvider ModelServices = new ServiceCollection()
        .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = SpeederaDbContext.IdentitySchema)
        .BuildServiceProvider();

    public static Type ContextType(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Postgres => typeof(PostgresSpeederaDbContext),
        DatabaseProvider.SqlServer => typeof(SqlServerSpeederaDbContext),
        _ => typeof(SqliteSpeederaDbContext),
    };

    public static void UseProvider(DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString)
    {
        _ = provider switch
        {
            DatabaseProvider.Postgres => options.UseNpgsql(connectionString),
            DatabaseProvider.SqlServer => options.UseSqlServer(connectionString),
            _ => options.UseSqlite(connectionString).AddInterceptors(SqliteSetup),
        };
    }

    /// <summary>Registers <see cref="SpeederaDbContext"/> as the provider's own context type.</summary>
    public static void Register(IServiceCollection services, DatabaseProvider provider, string connectionString)
    {
        switch (provider)
        {
            case DatabaseProvider.Postgres:
                services.AddDbContext<SpeederaDbContext, PostgresSpeederaDbContext>(o => UseProvider(o, provider, connectionString));
                break;
            case DatabaseProvider.SqlServer:
                services.AddDbContext<SpeederaDbContext, SqlServerSpeederaDbContext>(o => UseProvider(o, provider, connectionString));
                break;
            default:
                services.AddDbContext<SpeederaDbContext, SqliteSpeederaDbContext>(o => UseProvider(o, provider, connectionString));
                break;
        }
    }

    /// <summary>A context outside the portal's container (tests, design time), with the portal's model.</summary>
    public static SpeederaDbContext CreateContext(
        DatabaseProvider provider, string connectionString, Action<DbContextOptionsBuilder>? configure = null) => provider switch
    {
        DatabaseProvider.Postgres => new PostgresSpeederaDbContext(Options<PostgresSpeederaDbContext>(provider, connectionString, configure)),
        DatabaseProvider.SqlServer => new SqlServerSpeederaDbContext(Options<SqlServerSpeederaDbContext>(provider, connectionString, configure)),
        _ => new SqliteSpeederaDbContext(Options<SqliteSpeederaDbContext>(provider, connectionString, configure)),
    };

    private static DbContextOptions<TContext> Options<TContext>(
        DatabaseProvider provider, string connectionString, Action<DbContextOptionsBuilder>? configure)
        where TContext : SpeederaDbContext
    {
        var builder = new DbContextOptionsBuilder<TContext>();
        UseProvider(builder, provider, connectionString);
        builder.UseApplicationServiceProvider(ModelServices);
        configure?.Invoke(builder);
        return builder.Options;
    }
}

// dotnet-ef builds each provider's model through these; the connection strings are never opened.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteSpeederaDbContext>
{
    public SqliteSpeederaDbContext CreateDbContext(string[] args) =>
        (SqliteSpeederaDbContext)SpeederaDatabase.CreateContext(DatabaseProvider.Sqlite, "Data Source=design-time.db");
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresSpeederaDbContext>
{
    public PostgresSpeederaDbContext CreateDbContext(string[] args) =>
        (PostgresSpeederaDbContext)SpeederaDatabase.CreateContext(DatabaseProvider.Postgres, "Host=127.0.0.1;Database=speedera_design_time");
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerSpeederaDbContext>
{
    public SqlServerSpeederaDbContext CreateDbContext(string[] args) =>
        (SqlServerSpeederaDbContext)SpeederaDatabase.CreateContext(DatabaseProvider.SqlServer, "Server=127.0.0.1;Database=speedera_design_time;TrustServerCertificate=True");
}
