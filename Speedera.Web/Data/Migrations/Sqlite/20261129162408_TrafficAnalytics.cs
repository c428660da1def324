using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TrafficAnalytics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "PK_DecisionCounts",
                table: "DecisionCounts");

            migrationBuilder.AddColumn<string>(
                name: "Reason",
                table: "DecisionCounts",
                type: "TEXT",
                maxLength: 24,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddPrimaryKey(
                name: "PK_DecisionCounts",
                table: "DecisionCounts",
                columns: new[] { "Minute", "NodeId", "Hostname", "Address", "PopId", "Reason" });

            migrationBuilder.CreateTable(
                name: "ClientGroupCounts",
                columns: table => new
                {
                    Minute = table.Column<DateTime>(type: "TEXT", nullable: false),
                    NodeId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Hostname = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    ClientSubnet = table.Column<string>(type: "TEXT", maxLength: 49, nullable: false),
                    Resolver = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClientGroupCounts", x => new { x.Minute, x.Hostname, x.ClientSubnet, x.Resolver, x.NodeId });
                });

            migrationBuilder.CreateTable(
                name: "DecisionHourly",
                columns: table => new
                {
                    Hour = table.Column<DateTime>(type: "TEXT", nullable: false),
                    NodeId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Hostname = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                    PopId = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DecisionHourly", x => new { x.Hour, x.NodeId, x.Hostname, x.Address, x.PopId, x.Reason });
                });

            migrationBuilder.CreateTable(
                name: "JobLeases",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Holder = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_JobLeases", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "UsageHourly",
                columns: table => new
                {
                    Hour = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Hostname = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
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
                    table.PrimaryKey("PK_UsageHourly", x => new { x.Hour, x.Hostname, x.PopId, x.NodeId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_ClientGroupCounts_Hostname_Minute",
                table: "ClientGroupCounts",
                columns: new[] { "Hostname", "Minute" });

            migrationBuilder.CreateIndex(
                name: "IX_DecisionHourly_Hostname_Hour",
                table: "DecisionHourly",
                columns: new[] { "Hostname", "Hour" });

            migrationBuilder.CreateIndex(
                name: "IX_UsageHourly_Hostname_Hour",
                table: "UsageHourly",
                columns: new[] { "Hostname", "Hour" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ClientGroupCounts");

            migrationBuilder.DropTable(
                name: "DecisionHourly");

            migrationBuilder.DropTable(
                name: "JobLeases");

            migrationBuilder.DropTable(
                name: "UsageHourly");

            migrationBuilder.DropPrimaryKey(
                name: "PK_DecisionCounts",
                table: "DecisionCounts");

            migrationBuilder.DropColumn(
                name: "Reason",
                table: "DecisionCounts");

            migrationBuilder.AddPrimaryKey(
                name: "PK_DecisionCounts",
                table: "DecisionCounts",
                columns: new[] { "Minute", "NodeId", "Hostname", "Address", "PopId" });
        }
    }
}
