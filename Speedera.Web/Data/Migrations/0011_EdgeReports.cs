using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations;

/// <summary>What edge nodes report: latest service states per probe node, and per-minute decision counts.</summary>
[DbContext(typeof(SpeederaDbContext))]
[Migration(MigrationIds.EdgeReports)]
public sealed class EdgeReports : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "ServiceStates",
            columns: table => new
            {
                ServerId = table.Column<string>(maxLength: 128, nullable: false),
                ServiceId = table.Column<string>(maxLength: 253, nullable: false),
                ProbeNodeId = table.Column<string>(maxLength: 64, nullable: false),
                Value = table.Column<int>(nullable: false),
                Error = table.Column<string>(maxLength: 32, nullable: false),
                MeasuredAt = table.Column<DateTime>(nullable: false),
                ReceivedAt = table.Column<DateTime>(nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ServiceStates", x => new { x.ServerId, x.ServiceId, x.ProbeNodeId });
            });

        migrationBuilder.CreateTable(
            name: "DecisionCounts",
            columns: table => new
            {
                Minute = table.Column<DateTime>(nullable: false),
                NodeId = table.Column<string>(maxLength: 64, nullable: false),
                Hostname = table.Column<string>(maxLength: 253, nullable: false),
                Address = table.Column<string>(maxLength: 45, nullable: false),
                PopId = table.Column<string>(maxLength: 16, nullable: false),
                Count = table.Column<long>(nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DecisionCounts", x => new { x.Minute, x.NodeId, x.Hostname, x.Address, x.PopId });
            });

        migrationBuilder.CreateIndex(
            name: "IX_DecisionCounts_Hostname_Minute",
            table: "DecisionCounts",
            columns: new[] { "Hostname", "Minute" });
    }
}
