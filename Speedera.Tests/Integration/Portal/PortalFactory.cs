using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Speedera.Web.Data;

namespace Speedera.Tests.Integration.Portal;

/// <summary>
/// The portal in-process on a database of its own. One seam per provider: SQLite (a file in a
/// temporary data directory) and PostgreSQL (a fresh database on the cluster test.sh started).
/// </summary>
public abstract class PortalFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminEmail = "admin@speedera.test";
    public const string AdminPassword = "Admin-Passw0rd!x";

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "speedera-tests", Guid.NewGuid().ToString("N"));

    public string MailDirectory => Path.Combine(DataDirectory, "mail");

    public abstract string ProviderName { get; }

    protected abstract IEnumerable<KeyValuePair<string, string>> DatabaseSettings();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeCoreAsync();

    protected virtual async Task DisposeCoreAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Speedera:DataDirectory", DataDirectory);
        builder.UseSetting("Speedera:Admin:Email", AdminEmail);
        builder.UseSetting("Speedera:Admin:Password", AdminPassword);
        builder.UseSetting("Speedera:Mail:Delivery", "Pickup");
        builder.UseSetting("Speedera:Mail:PollInterval", "00:00:00.200");
        // The fixtures' GTM addresses and origins live on loopback; StrictTargetsPortalFactory turns this off.
        builder.UseSetting("Speedera:Security:AllowPrivateTargets", "true");
        foreach (var (key, value) in DatabaseSettings())
        {
            builder.UseSetting(key, value);
        }
    }

    public PortalClient CreatePortalClient() =>
        new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }), this);

    public async Task<T> WithDbAsync<T>(Func<SpeederaDbContext, Task<T>> action)
    {
        using var scope = Services.CreateScope();
        return await action(scope.ServiceProvider.GetRequiredService<SpeederaDbContext>());
    }
}

public sealed class SqlitePortalFactory : PortalFactory
{
    public override string ProviderName => "Sqlite";

    protected override IEnumerable<KeyValuePair<string, string>> DatabaseSettings() =>
        [new("Database:Provider", "Sqlite")];
}

public sealed class PostgresPortalFactory : PortalFactory
{
    private readonly string databaseName = "speedera_test_" + Guid.NewGuid().ToString("N")[..12];

    public override string ProviderName => "Postgres";

    public string ConnectionString => new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = databaseName }.ConnectionString;

    protected override IEnumerable<KeyValuePair<string, string>> DatabaseSettings() =>
        [new("Database:Provider", "Postgres"), new("Database:ConnectionString", ConnectionString)];

    public override async Task InitializeAsync() => await PostgresServer.CreateDatabaseAsync(databaseName);

    protected override async Task DisposeCoreAsync()
    {
        await base.DisposeCoreAsync();
        await PostgresServer.DropDatabaseAsync(databaseName);
    }
}

/// <summary>The PostgreSQL cluster test.sh starts; its connection string comes from SPEEDERA_TEST_POSTGRES.</summary>
public static class PostgresServer
{
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("SPEEDERA_TEST_POSTGRES")
        ?? throw new InvalidOperationException(
            "SPEEDERA_TEST_POSTGRES is not set: run ./test.sh, which starts a throwaway PostgreSQL cluster, " +
            "or point it at one (Host=127.0.0.1;Port=...;Username=postgres;Database=postgres).");

    public static async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
