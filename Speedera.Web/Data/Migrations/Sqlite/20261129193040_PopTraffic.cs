using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PopTraffic : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "UsagePopHourly",
                columns: table => new
                {
                    Hour = table.Column<DateTime>(type: "TEXT", nullable: false),
                    PopId = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    NodeId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Requests = table.Column<long>(type: "INTEGER", nullable: false),
                    BytesToClients = table.Column<long>(type: "INTEGER", nullable: false),
                    BytesFromOrigin = table.Column<long>(type: "INTEGER", nullable: false),
                    Status2xx = table.Column<long>(type: "INTEGER", nullable: false),
                    Status3xx = table.Column<long>(type: "INTEGER", nullable: false),
                    Status4xx = table.Column<long>(type: "INTEGER", nullable: false),
                    Status5xx = table.Column<long>(type: "INTEGER", nullable: false),
                    Hits = table.Column<long>(type: "INTEGER", nullable: false),
                    Misses = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsagePopHourly", x => new { x.Hour, x.PopId, x.NodeId });
                });

            migrationBuilder.CreateTable(
                name: "UsagePopMinutes",
                columns: table => new
                {
                    Minute = table.Column<DateTime>(type: "TEXT", nullable: false),
                    PopId = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    NodeId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Requests = table.Column<long>(type: "INTEGER", nullable: false),
                    BytesToClients = table.Column<long>(type: "INTEGER", nullable: false),
                    BytesFromOrigin = table.Column<long>(type: "INTEGER", nullable: false),
                    Status2xx = table.Column<long>(type: "INTEGER", nullable: false),
                    Status3xx = table.Column<long>(type: "INTEGER", nullable: false),
                    Status4xx = table.Column<long>(type: "INTEGER", nullable: false),
                    Status5xx = table.Column<long>(type: "INTEGER", nullable: false),
                    Hits = table.Column<long>(type: "INTEGER", nullable: false),
                    Misses = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsagePopMinutes", x => new { x.Minute, x.PopId, x.NodeId });
                });

            // Existing traffic: the per-POP tables start with what the per-hostname tables already hold.
            migrationBuilder.Sql("INSERT INTO \"UsagePopMinutes\" (\"Minute\", \"PopId\", \"NodeId\", \"Requests\", \"BytesToClients\", \"BytesFromOrigin\", \"Status2xx\", \"Status3xx\", \"Status4xx\", \"Status5xx\", \"Hits\", \"Misses\") SELECT \"Minute\", \"PopId\", \"NodeId\", SUM(\"Requests\"), SUM(\"BytesToClients\"), SUM(\"BytesFromOrigin\"), SUM(\"Status2xx\"), SUM(\"Status3xx\"), SUM(\"Status4xx\"), SUM(\"Status5xx\"), SUM(\"Hits\"), SUM(\"Misses\") FROM \"UsageRollups\" GROUP BY \"Minute\", \"PopId\", \"NodeId\"");
            migrationBuilder.Sql("INSERT INTO \"UsagePopHourly\" (\"Hour\", \"PopId\", \"NodeId\", \"Requests\", \"BytesToClients\", \"BytesFromOrigin\", \"Status2xx\", \"Status3xx\", \"Status4xx\", \"Status5xx\", \"Hits\", \"Misses\") SELECT \"Hour\", \"PopId\", \"NodeId\", SUM(\"Requests\"), SUM(\"BytesToClients\"), SUM(\"BytesFromOrigin\"), SUM(\"Status2xx\"), SUM(\"Status3xx\"), SUM(\"Status4xx\"), SUM(\"Status5xx\"), SUM(\"Hits\"), SUM(\"Misses\") FROM \"UsageHourly\" GROUP BY \"Hour\", \"PopId\", \"NodeId\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "UsagePopHourly");

            migrationBuilder.DropTable(
                name: "UsagePopMinutes");
        }
    }
}
