using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;

namespace Speedera.Web.Data;

/// <summary>
/// Databases made before EF Core's own migrations carry the ids of the removed hand-written ones. Their last
/// one left exactly the schema of each provider's first (baseline) EF Core migration, so such a database is
/// adopted by swapping those history rows for the baseline's; later migrations then apply as usual.
/// </summary>
public static class LegacyMigrations
{
    public static readonly IReadOnlyList<string> Ids =
    [
        "20261122000001_InitialSchema",
        "20261122000002_Hostnames",
        "20261122000010_EdgeAndConfiguration",
        "20261122000011_EdgeReports",
        "20261122000012_ContentAndUsage",
        "20261122000013_ApiKeys",
    ];

    public static string Last => Ids[^1];

    /// <summary>Returns the baseline id when the history was rewritten, null when there was nothing to adopt.</summary>
    public static async Task<string?> AdoptAsync(SpeederaDbContext db, CancellationToken cancellationToken)
    {
        var history = db.GetService<IHistoryRepository>();
        if (!await history.ExistsAsync(cancellationToken))
        {
            return null;
        }

        var applied = (await history.GetAppliedMigrationsAsync(cancellationToken)).Select(r => r.MigrationId).ToHashSet(StringComparer.Ordinal);
        var legacy = Ids.Where(applied.Contains).ToList();
        if (legacy.Count == 0)
        {
            return null;
        }

        if (!applied.Contains(Last))
        {
            throw new InvalidOperationException(
                $"This database was migrated by an older Speedera only up to {legacy[^1]}; this version can adopt " +
                $"databases at {Last}. Run the last release with hand-written migrations against it once, then this one.");
        }

        var baseline = db.Database.GetMigrations().First();
        var sql = db.GetService<ISqlGenerationHelper>();
        var table = sql.DelimitIdentifier(HistoryRepository.DefaultTableName);
        var idColumn = sql.DelimitIdentifier("MigrationId");
        var versionColumn = sql.DelimitIdentifier("ProductVersion");
        var legacyList = string.Join(", ", Ids.Select(id => "'" + id + "'"));

        // Only identifiers from the provider's own quoting and the constant ids above go into the text.
        var delete = $"DELETE FROM {table} WHERE {idColumn} IN ({legacyList})";
        // NOT EXISTS: a second portal instance adopting the same database at the same time inserts nothing.
        var insert = $"INSERT INTO {table} ({idColumn}, {versionColumn}) SELECT {{0}}, {{1}} WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE {idColumn} = {{0}})";

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync(delete, cancellationToken);
        await db.Database.ExecuteSqlRawAsync(insert, [baseline, ProductInfo.GetVersion()], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return baseline;
    }
}
