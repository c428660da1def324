using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Speedera.Web.Data;

/// <summary>
/// Every SQLite connection the portal opens: write-ahead logging, so readers (pages, edge long-polls) and the one writer
/// do not block each other, and SQLite's own busy handler (sleeps of 1-100 ms) instead of Microsoft.Data.Sqlite's retry,
/// which sleeps 150 ms at a time. Without these a purge order, a heartbeat and an upload arriving together cost
/// 150 ms steps (PurgePropagationTests showed p95 193 ms, bimodal at ~20 and ~160 ms).
/// journal_mode=WAL is stored in the database file; setting it again is a no-op. EF opens read-only
/// connections to see whether the database exists; switching the journal mode there would fail.
/// </summary>
public sealed class SqliteConnectionSetup : DbConnectionInterceptor
{
    private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;";
    private const string ReadOnlyPragmas = "PRAGMA busy_timeout=10000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = PragmasFor(connection);
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = PragmasFor(connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string PragmasFor(DbConnection connection) =>
        new SqliteConnectionStringBuilder(connection.ConnectionString).Mode == SqliteOpenMode.ReadOnly ? ReadOnlyPragmas : Pragmas;
}
