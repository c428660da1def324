using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Speedera.Web.Hosting;

namespace Speedera.Web.Data;

public static class DatabaseServiceCollectionExtensions
{
    private static readonly SqliteConnectionSetup SqliteSetup = new();

    /// <summary>Registers <see cref="SpeederaDbContext"/> on SQLite (default) or PostgreSQL.</summary>
    public static IServiceCollection AddSpeederaDatabase(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var speedera = configuration.GetSection(SpeederaOptions.Section).Get<SpeederaOptions>() ?? new SpeederaOptions();
        var connectionString = database.ConnectionString;

        if (database.Provider == DatabaseProvider.Sqlite && string.IsNullOrWhiteSpace(connectionString))
        {
            var dataDirectory = speedera.ResolveDataDirectory(contentRoot);
            Directory.CreateDirectory(dataDirectory);
            connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(dataDirectory, "speedera.db"),
                ForeignKeys = true,
            }.ToString();
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "Database:ConnectionString is required when Database:Provider is Postgres " +
                "(e.g. Database__ConnectionString='Host=127.0.0.1;Port=5432;Database=speedera;Username=speedera;Password=...').");
        }

        services.AddDbContext<SpeederaDbContext>(options =>
        {
            _ = database.Provider switch
            {
                DatabaseProvider.Postgres => options.UseNpgsql(connectionString),
                _ => options.UseSqlite(connectionString).AddInterceptors(SqliteSetup),
            };
            // Migrations are hand-written, without a model snapshot; SchemaTests guard against drift.
            options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        return services;
    }
}
