using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations.Postgres
{
    /// <summary>
    /// PostgreSQL only: the traffic tables become range-partitioned by time (minute tables by day, hourly tables by
    /// month), each with a DEFAULT partition that catches any row no partition covers yet. The maintenance job creates
    /// the partitions ahead of time and drops whole partitions past the minute window or the retention, instead of
    /// deleting their rows one by one (RelationalTrafficStore.MaintainPartitionsAsync).
    /// </summary>
    public partial class PartitionTrafficTables : Migration
    {
        private static readonly (string Table, string Column)[] Tables =
        [
            ("UsageRollups", "Minute"), ("UsagePopMinutes", "Minute"), ("DecisionCounts", "Minute"), ("ClientGroupCounts", "Minute"),
            ("UsageHourly", "Hour"), ("UsagePopHourly", "Hour"), ("DecisionHourly", "Hour"),
        ];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, column) in Tables)
            {
                migrationBuilder.Sql(Rebuild(table, $"PARTITION BY RANGE (\"{column}\")", partitioned: true));
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, _) in Tables)
            {
                migrationBuilder.Sql(Rebuild(table, "", partitioned: false));
            }
        }

        /// <summary>
        /// Replaces a table by a new one with the same columns, primary key and indexes (taken from the catalog), either
        /// partitioned with a default partition or plain, and copies the rows over.
        /// </summary>
        private static string DefaultPartition(string table, bool partitioned) =>
            partitioned ? $"CREATE TABLE \"{table}_default\" PARTITION OF \"{table}\" DEFAULT;" : "";

        private static string Rebuild(string table, string partitionClause, bool partitioned) => $$"""
            DO $rebuild$
            DECLARE
                pk_name text;
                pk_def text;
                index_defs text[];
                index_names text[];
                i int;
            BEGIN
                SELECT c.conname, pg_get_constraintdef(c.oid) INTO pk_name, pk_def
                  FROM pg_constraint c WHERE c.conrelid = '"{{table}}"'::regclass AND c.contype = 'p';
                SELECT coalesce(array_agg(pg_get_indexdef(x.indexrelid)), '{}'), coalesce(array_agg(ic.relname::text), '{}') INTO index_defs, index_names
                  FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid
                 WHERE x.indrelid = '"{{table}}"'::regclass AND NOT x.indisprimary;
                EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', '{{table}}', pk_name, pk_name || '_old');
                FOR i IN 1 .. coalesce(array_length(index_names, 1), 0) LOOP
                    EXECUTE format('ALTER INDEX %I RENAME TO %I', index_names[i], index_names[i] || '_old');
                END LOOP;
                ALTER TABLE "{{table}}" RENAME TO "{{table}}_old";
                CREATE TABLE "{{table}}" (LIKE "{{table}}_old" INCLUDING DEFAULTS) {{partitionClause}};
                EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', '{{table}}', pk_name, pk_def);
                FOR i IN 1 .. coalesce(array_length(index_defs, 1), 0) LOOP
                    EXECUTE index_defs[i];
                END LOOP;
                {{DefaultPartition(table, partitioned)}}
                INSERT INTO "{{table}}" SELECT * FROM "{{table}}_old";
                DROP TABLE "{{table}}_old";
            END
            $rebuild$;
            """;
    }
}
