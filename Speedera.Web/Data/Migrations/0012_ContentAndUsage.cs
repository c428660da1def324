using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations;

/// <summary>Purge orders with their status per cache node, and per-minute usage rollups from the caches.</summary>
[DbContext(typeof(SpeederaDbContext))]
[Migration(MigrationIds.ContentAndUsage)]
public sealed class ContentAndUsage : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "PurgeOrders",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrganizationId = table.Column<Guid>(nullable: false),
                HostnameId = table.Column<Guid>(nullable: false),
                Hostname = table.Column<string>(maxLength: 253, nullable: false),
                Kind = table.Column<string>(maxLength: 16, nullable: false),
                Path = table.Column<string>(maxLength: 2048, nullable: false),
                Url = table.Column<string>(maxLength: 2300, nullable: false),
                Soft = table.Column<bool>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<string>(maxLength: 256, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PurgeOrders", x => x.Id);
                table.ForeignKey(
                    name: "FK_PurgeOrders_Hostnames_HostnameId",
                    column: x => x.HostnameId,
                    principalTable: "Hostnames",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_PurgeOrders_HostnameId",
            table: "PurgeOrders",
            column: "HostnameId");

        migrationBuilder.CreateIndex(
            name: "IX_PurgeOrders_OrganizationId_CreatedAt",
            table: "PurgeOrders",
            columns: new[] { "OrganizationId", "CreatedAt" });

        migrationBuilder.CreateTable(
            name: "PurgeNodeStatuses",
            columns: table => new
            {
                OrderId = table.Column<Guid>(nullable: false),
                NodeId = table.Column<string>(maxLength: 64, nullable: false),
                Status = table.Column<string>(maxLength: 16, nullable: false),
                ObjectsAffected = table.Column<int>(nullable: false),
                CompletedAt = table.Column<DateTime>(nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PurgeNodeStatuses", x => new { x.OrderId, x.NodeId });
                table.ForeignKey(
                    name: "FK_PurgeNodeStatuses_PurgeOrders_OrderId",
                    column: x => x.OrderId,
                    principalTable: "PurgeOrders",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_PurgeNodeStatuses_NodeId_Status",
            table: "PurgeNodeStatuses",
            columns: new[] { "NodeId", "Status" });

        migrationBuilder.CreateTable(
            name: "UsageRollups",
            columns: table => new
            {
                Minute = table.Column<DateTime>(nullable: false),
                Hostname = table.Column<string>(maxLength: 253, nullable: false),
                PopId = table.Column<string>(maxLength: 16, nullable: false),
                NodeId = table.Column<string>(maxLength: 64, nullable: false),
                Requests = table.Column<long>(nullable: false),
                BytesToClients = table.Column<long>(nullable: false),
                BytesFromOrigin = table.Column<long>(nullable: false),
                Status2xx = table.Column<long>(nullable: false),
                Status3xx = table.Column<long>(nullable: false),
                Status4xx = table.Column<long>(nullable: false),
                Status5xx = table.Column<long>(nullable: false),
                Hits = table.Column<long>(nullable: false),
                Misses = table.Column<long>(nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_UsageRollups", x => new { x.Minute, x.Hostname, x.PopId, x.NodeId });
            });

        migrationBuilder.CreateIndex(
            name: "IX_UsageRollups_Hostname_Minute",
            table: "UsageRollups",
            columns: new[] { "Hostname", "Minute" });
    }
}
