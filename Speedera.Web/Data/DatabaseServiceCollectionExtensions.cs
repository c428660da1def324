using Microsoft.Data.Sqlite;
using Speedera.Web.Hosting;

namespace Speedera.Web.Data;

public static class DatabaseServiceCollectionExtensions
{
    /// <summary>Registers <see cref="SpeederaDbContext"/> on SQLite (default), PostgreSQL or SQL Server.</summary>
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
                $"Database:ConnectionString is required when Database:Provider is {database.Provider} " +
                "(e.g. Database__ConnectionString='Host=127.0.0.1;Port=5432;Database=speedera;Username=speedera;Password=...' for Postgres, " +
                "'Server=...;Database=speedera;User Id=...;Password=...' for SqlServer).");
        }

        SpeederaDatabase.Register(services, database.Provider, connectionString);
        return services;
    }
}
