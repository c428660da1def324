using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Web.Data;
using Speedera.Web.Data.Migrations;

namespace Speedera.Tests.Integration.Portal;

/// <summary>
/// Migrations are hand-written, so these tests hold them to the model: migrating an empty database
/// must give the same schema as creating it from the model, and upgrading an old database keeps its rows.
/// </summary>
public abstract class SchemaTests : IAsyncLifetime
{
    protected abstract Task<DbContextOptions<SpeederaDbContext>> NewDatabaseAsync();

    protected abstract Task<IReadOnlyList<string>> DescribeSchemaAsync(DbConnection connection);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Migrating_an_empty_database_gives_exactly_the_model_schema()
    {
        await using var migrated = new SpeederaDbContext(await NewDatabaseAsync());
        await migrated.Database.MigrateAsync();
        await using var created = new SpeederaDbContext(await NewDatabaseAsync());
        await created.Database.EnsureCreatedAsync();

        var fromMigrations = (await DescribeSchemaAsync(migrated.Database.GetDbConnection()))
            .Where(line => !line.StartsWith("__EFMigrations", StringComparison.Ordinal)).ToList();
        var fromModel = await DescribeSchemaAsync(created.Database.GetDbConnection());

        Assert.Equal(fromModel, fromMigrations);
    }

    [Fact]
    public async Task Upgrading_an_initial_schema_database_keeps_its_data()
    {
        var options = await NewDatabaseAsync();
        await using (var old = new SpeederaDbContext(options))
        {
            await old.GetService<IMigrator>().MigrateAsync(MigrationIds.InitialSchema);
            Assert.Equal([MigrationIds.InitialSchema], await old.Database.GetAppliedMigrationsAsync());

            // Rows written with plain SQL as the old version would have written them.
            var orgId = Guid.Parse("6a1f9c1e-0000-4000-8000-000000000001");
            var serverId = Guid.Parse("6a1f9c1e-0000-4000-8000-000000000002");
            var created = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            await old.Database.ExecuteSqlInterpolatedAsync(
                $"""INSERT INTO "Organizations" ("Id", "Name", "CreatedAt") VALUES ({orgId}, {"Old Customer Ltd"}, {created})""");
            await old.Database.ExecuteSqlInterpolatedAsync(
                $"""INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount", "OrganizationId", "CreatedAt") VALUES ({"u1"}, {"old@example.test"}, {"OLD@EXAMPLE.TEST"}, {"old@example.test"}, {"OLD@EXAMPLE.TEST"}, {true}, {false}, {false}, {true}, {0}, {orgId}, {created})""");
            await old.Database.ExecuteSqlInterpolatedAsync(
                $"""INSERT INTO "Pops" ("Id", "Name", "City", "Country", "Latitude", "Longitude", "Network") VALUES ({"ams"}, {"Amsterdam"}, {"Amsterdam"}, {"NL"}, {52.37}, {4.9}, {"AMS-IX"})""");
            await old.Database.ExecuteSqlInterpolatedAsync(
                $"""INSERT INTO "Servers" ("Id", "Name", "PopId", "Address", "Enabled") VALUES ({serverId}, {"cache1.ams"}, {"ams"}, {"127.0.0.99"}, {true})""");
        }

        await using var upgraded = new SpeederaDbContext(options);
        await upgraded.Database.MigrateAsync();

        Assert.Empty(await upgraded.Database.GetPendingMigrationsAsync());
        var user = await upgraded.Users.Include(u => u.Organization).SingleAsync(u => u.Email == "old@example.test");
        Assert.Equal("Old Customer Ltd", user.Organization!.Name);
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), user.Organization.CreatedAt);
        var server = await upgraded.Servers.Include(s => s.Pop).SingleAsync(s => s.Address == "127.0.0.99");
        Assert.Equal("Amsterdam", server.Pop!.Name);

        // The new tables work alongside the old rows.
        upgraded.Hostnames.Add(new HostnameEntity { Id = Guid.NewGuid(), OrganizationId = user.OrganizationId!.Value, Name = "www.old.example" });
        await upgraded.SaveChangesAsync();
        Assert.Equal(1, await upgraded.Hostnames.CountAsync(h => h.OrganizationId == user.OrganizationId));
    }

    // The Identity part of the model follows IdentityOptions from the application's services, as in the portal.
    private static readonly IServiceProvider IdentityServices = new ServiceCollection()
        .Configure<IdentityOptions>(o => o.Stores.SchemaVersion = SpeederaDbContext.IdentitySchema)
        .BuildServiceProvider();

    protected static DbContextOptions<SpeederaDbContext> Options(Action<DbContextOptionsBuilder<SpeederaDbContext>> provider)
    {
        var builder = new DbContextOptionsBuilder<SpeederaDbContext>();
        provider(builder);
        builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        builder.UseApplicationServiceProvider(IdentityServices);
        return builder.Options;
    }
}

public sealed class SqliteSchemaTests : SchemaTests
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "speedera-schema", Guid.NewGuid().ToString("N"));

    protected override Task<DbContextOptions<SpeederaDbContext>> NewDatabaseAsync()
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".db");
        return Task.FromResult(Options(b => b.UseSqlite($"Data Source={file};Foreign Keys=True;Pooling=False")));
    }

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

    protected override async Task<DbContextOptions<SpeederaDbContext>> NewDatabaseAsync()
    {
        var name = "speedera_schema_" + Guid.NewGuid().ToString("N")[..12];
        await PostgresServer.CreateDatabaseAsync(name);
        databases.Add(name);
        var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = name }.ConnectionString;
        return Options(b => b.UseNpgsql(connectionString));
    }

    protected override async Task<IReadOnlyList<string>> DescribeSchemaAsync(DbConnection connection)
    {
        await connection.OpenAsync();
        var lines = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT table_name, column_name, data_type, is_nullable, coalesce(character_maximum_length, 0)
                FROM information_schema.columns WHERE table_schema = 'public'
                """;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                lines.Add($"{reader.GetString(0)}.{reader.GetString(1)} {reader.GetString(2)}({reader.GetInt32(4)}) nullable={reader.GetString(3)}");
            }
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'";
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
