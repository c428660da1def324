using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Web.Data;
using Speedera.Web.Hosting;

namespace Speedera.Tests.Unit.Data;

/// <summary>Each provider's migrations checked without a database server (no SQL Server can run here).</summary>
public sealed class MigrationTests
{
    // Never opened: an unroutable port on loopback, so an accidental connection fails at once.
    private static string ConnectionString(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Postgres => "Host=127.0.0.1;Port=1;Database=none;Timeout=1",
        DatabaseProvider.SqlServer => "Server=127.0.0.1,1;Database=none;Connect Timeout=1;TrustServerCertificate=True",
        _ => "Data Source=:memory:",
    };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.SqlServer)]
    public void Each_provider_has_migrations_and_a_snapshot_matching_the_model(DatabaseProvider provider)
    {
        using var db = SpeederaDatabase.CreateContext(provider, ConnectionString(provider));

        Assert.IsType(SpeederaDatabase.ContextType(provider), db);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges(), $"{provider}: the model changed since the last migration; add one (README: Database migrations).");
    }

    [Fact]
    public void The_SqlServer_migrations_generate_a_script_without_a_server()
    {
        using var db = SpeederaDatabase.CreateContext(DatabaseProvider.SqlServer, ConnectionString(DatabaseProvider.SqlServer));

        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        Assert.Contains("CREATE TABLE [Hostnames]", script, StringComparison.Ordinal);
        Assert.Contains("CREATE UNIQUE INDEX [IX_ApiKeys_KeyHash]", script, StringComparison.Ordinal);
        Assert.Contains("[__EFMigrationsHistory]", script, StringComparison.Ordinal);
        Assert.All(db.Database.GetMigrations(), id => Assert.Contains($"N'{id}'", script, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Sqlite", typeof(SqliteSpeederaDbContext))]
    [InlineData("Postgres", typeof(PostgresSpeederaDbContext))]
    [InlineData("SqlServer", typeof(SqlServerSpeederaDbContext))]
    public void The_provider_setting_picks_that_providers_context(string setting, Type expected)
    {
        var provider = Enum.Parse<DatabaseProvider>(setting);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = setting,
            ["Database:ConnectionString"] = ConnectionString(provider),
        }).Build();
        using var services = new ServiceCollection().AddSpeederaDatabase(configuration, Path.GetTempPath()).BuildServiceProvider();
        using var scope = services.CreateScope();

        Assert.IsType(expected, scope.ServiceProvider.GetRequiredService<SpeederaDbContext>());
    }
}
