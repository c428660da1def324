using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations.Postgres
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
                    NodeId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    TakenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ConfigurationVersion = table.Column<long>(type: "bigint", nullable: true),
                    ViewJson = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DnsNodeViews", x => x.NodeId);
                });

            migrationBuilder.CreateTable(
                name: "GtmPolicyChanges",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    HostnameId = table.Column<Guid>(type: "uuid", nullable: false),
                    ChangedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ChangedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    PolicyJson = table.Column<string>(type: "character varying(64000)", maxLength: 64000, nullable: false),
                    PublishedVersion = table.Column<long>(type: "bigint", nullable: true)
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
