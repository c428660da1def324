using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class GtmAuditAndNodeViews : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DnsNodeViews",
                columns: table => new
                {
                    NodeId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TakenAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ConfigurationVersion = table.Column<long>(type: "INTEGER", nullable: true),
                    ViewJson = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DnsNodeViews", x => x.NodeId);
                });

            migrationBuilder.CreateTable(
                name: "GtmPolicyChanges",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    HostnameId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ChangedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ChangedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    PolicyJson = table.Column<string>(type: "TEXT", maxLength: 64000, nullable: false),
                    PublishedVersion = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GtmPolicyChanges", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_GtmPolicyChanges_HostnameId_ChangedAt",
                table: "GtmPolicyChanges",
                columns: new[] { "HostnameId", "ChangedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DnsNodeViews");

            migrationBuilder.DropTable(
                name: "GtmPolicyChanges");
        }
    }
}
