using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Speedera.Web.Data;
using Speedera.Web.Hosting;

namespace Speedera.Tests.Integration.Portal;

/// <summary>
/// Each provider's EF Core migrations against a real database: migrating an empty database gives the model's
/// schema, and a database made by the removed hand-written migrations (a SQL fixture of their schema and
/// the rows the old portal wrote) is adopted at the baseline and upgraded without losing data.
/// </summary>
public abstract class SchemaTests : IAsyncLifetime
{
    protected abstract DatabaseProvider Provider { get; }

    /// <summary>A fresh empty database; returns its connection string.</summary>
    protected abstract Task<string> NewDatabaseAsync();

    protected abstract Task<IReadOnlyList<string>> DescribeSchemaAsync(DbConnection connection);

    protected abstract DbConnection Connect(string connectionString);

    /// <summary>The fixture file under Integration/Portal/Fixtures holding the old schema and data.</summary>
    protected abstract string LegacyFixture { get; }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private SpeederaDbContext Open(string connectionString) => SpeederaDatabase.CreateContext(Provider, connectionString);

    [Fact]
    public async Task Migrating_an_empty_database_gives_exactly_the_model_schema()
    {
        await using var migrated = Open(await NewDatabaseAsync());
        await migrated.Database.MigrateAsync();
        await using var created = Open(await NewDatabaseAsync());
        await created.Database.EnsureCreatedAsync();

        Assert.Equal(await DescribeAsync(created), await DescribeAsync(migrated));
    }

    [Fact]
    public async Task Upgrading_a_database_made_by_the_hand_written_migrations_keeps_its_data()
    {
        var connectionString = await LoadLegacyFixtureAsync();
        await using (var old = Open(connectionString))
        {
            Assert.Equal(LegacyMigrations.Ids, await old.Database.GetAppliedMigrationsAsync());
        }

        // What the portal's start-up (DatabaseInitializer) does.
        await using var upgraded = Open(connectionString);
        Assert.Equal(upgraded.Database.GetMigrations().First(), await LegacyMigrations.AdoptAsync(upgraded, CancellationToken.None));
        await upgraded.Database.MigrateAsync();

        Assert.Equal(upgraded.Database.GetMigrations(), await upgraded.Database.GetAppliedMigrationsAsync());
        var user = await upgraded.Users.Include(u => u.Organization).SingleAsync(u => u.Email == "old@example.test");
        Assert.Equal("Old Customer Ltd", user.Organization!.Name);
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), user.Organization.CreatedAt);
        Assert.Equal(["Customer"], await upgraded.UserRoles.Where(r => r.UserId == user.Id)
            .Join(upgraded.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).ToListAsync());
        var server = await upgraded.Servers.Include(s => s.Pop).SingleAsync(s => s.Address == "127.0.0.99");
        Assert.Equal("Amsterdam", server.Pop!.Name);
        var hostname = await upgraded.Hostnames.SingleAsync(h => h.OrganizationId == user.OrganizationId);
        Assert.Equal(("www.old.example", VerificationState.Active, TimeSpan.FromMinutes(5)), (hostname.Name, hostname.Verification, hostname.PersistenceAccessTimeout));
        Assert.Matches("^[0-9a-f]{32}$", hostname.ChallengeToken);
        Assert.Equal("spk_old", (await upgraded.ApiKeys.SingleAsync()).Prefix);

        // The upgraded schema is the one a fresh database gets, and new rows go in beside the old ones.
        await using var fresh = Open(await NewDatabaseAsync());
        await fresh.Database.MigrateAsync();
        Assert.Equal(await DescribeAsync(fresh), await DescribeAsync(upgraded));
        upgraded.Hostnames.Add(new HostnameEntity { Id = Guid.NewGuid(), OrganizationId = user.OrganizationId!.Value, Name = "api.old.example" });
        await upgraded.SaveChangesAsync();
        Assert.Equal(2, await upgraded.Hostnames.CountAsync(h => h.OrganizationId == user.OrganizationId));
    }

    [Fact]
    public async Task Adopting_an_already_adopted_database_changes_nothing()
    {
        var connectionString = await LoadLegacyFixtureAsync();
        await using var db = Open(connectionString);
        await LegacyMigrations.AdoptAsync(db, CancellationToken.None);
        await db.Database.MigrateAsync();

        Assert.Null(await LegacyMigrations.AdoptAsync(db, CancellationToken.None));
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task A_database_part_way_through_the_hand_written_migrations_is_refused_with_a_message()
    {
        var connectionString = await LoadLegacyFixtureAsync();
        await using var db = Open(connectionString);
        await db.Database.ExecuteSqlRawAsync("""DELETE FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261122000013_ApiKeys'""");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LegacyMigrations.AdoptAsync(db, CancellationToken.None));
        Assert.Contains("only up to 20261122000012_ContentAndUsage", error.Message, StringComparison.Ordinal);
    }

    private async Task<string> LoadLegacyFixtureAsync()
    {
        var connectionString = await NewDatabaseAsync();
        var script = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Integration", "Portal", "Fixtures", LegacyFixture));
        await using var connection = Connect(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = script;
        await command.ExecuteNonQueryAsync();
        return connectionString;
    }

    private async Task<List<string>> DescribeAsync(SpeederaDbContext db) =>
        (await DescribeSchemaAsync(db.Database.GetDbConnection()))
            .Where(line => !line.StartsWith("__EFMigrations", StringComparison.Ordinal)).ToList();
}

public sealed class SqliteSchemaTests : SchemaTests
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "speedera-schema", Guid.NewGuid().ToString("N"));

    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override string LegacyFixture => "legacy-0013-sqlite.sql";

    protected override Task<string> NewDatabaseAsync()
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".db");
        return Task.FromResult($"Data Source={file};Foreign Keys=True;Pooling=False");
    }

    protected override DbConnection Connect(string connectionString) => new SqliteConnection(connectionString);

    protected override async Task<IReadOnlyList<string>> DescribeSchemaAsync(DbConnection connection)
    {
        await connection.OpenAsync();
        var lines = new List<string>();
        var tables = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}') ORDER BY name";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add($"{table}.{reader.GetString(0)} {reader.GetString(1)} notnull={reader.GetInt64(2)} pk={reader.GetInt64(3)}");
            }
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add($"{reader.GetString(0)} index {reader.GetString(1)}");
            }
        }

        return lines.Order(StringComparer.Ordinal).ToList();
    }

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}

public sealed class PostgresSchemaTests : SchemaTests
{
    private readonly List<string> databases = [];

    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;

    protected override string LegacyFixture => "legacy-0013-postgres.sql";

    protected override async Task<string> NewDatabaseAsync()
    {
        var name = "speedera_schema_" + Guid.NewGuid().ToString("N")[..12];
        await PostgresServer.CreateDatabaseAsync(name);
        databases.Add(name);
        return new Npgsql.NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = name }.ConnectionString;
    }

    protected override DbConnection Connect(string connectionString) => new Npgsql.NpgsqlConnection(connectionString);

    protected override async Task<IReadOnlyList<string>> DescribeSchemaAsync(DbConnection connection)
    {
        await connection.OpenAsync();
        var lines = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT table_name, column_name, data_type, is_nullable, coalesce(character_maximum_length, 0)
                FROM information_schema.columns WHERE table_schema = 'public'
                  AND table_name NOT IN (SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid)
                """;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add($"{reader.GetString(0)}.{reader.GetString(1)} {reader.GetString(2)}({reader.GetInt32(4)}) nullable={reader.GetString(3)}");
            }
        }

        await using (var command = connection.CreateCommand())
        {
            // Partitions of the traffic tables (created by the migration and by maintenance) are storage, not model.
            command.CommandText = "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT IN (SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid)";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add($"{reader.GetString(0)} index {reader.GetString(1)}");
            }
        }

        return lines.Order(StringComparer.Ordinal).ToList();
    }

    public override async Task DisposeAsync()
    {
        foreach (var name in databases)
        {
            await PostgresServer.DropDatabaseAsync(name);
        }
    }
}
