using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PageChecks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "PageChecks",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    UrlKey = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    CdnHostname = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: true),
                    RepeatView = table.Column<bool>(type: "boolean", nullable: false),
                    CompareWithOrigin = table.Column<bool>(type: "boolean", nullable: false),
                    FullRender = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PageChecks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PageCheckLocations",
                columns: table => new
                {
                    CheckId = table.Column<Guid>(type: "uuid", nullable: false),
                    PopId = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    NodeId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    ClaimedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    CompletedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Deadline = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    ResultJson = table.Column<string>(type: "text", nullable: true),
                    LoadMs = table.Column<double>(type: "double precision", nullable: true),
                    Bytes = table.Column<long>(type: "bigint", nullable: true),
                    Requests = table.Column<int>(type: "integer", nullable: true),
                    Errors = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PageCheckLocations", x => new { x.CheckId, x.PopId });
                    table.ForeignKey(
                        name: "FK_PageCheckLocations_PageChecks_CheckId",
                        column: x => x.CheckId,
                        principalTable: "PageChecks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PageCheckLocations_PopId_Status",
                table: "PageCheckLocations",
                columns: new[] { "PopId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_PageChecks_OrganizationId_CreatedAt",
                table: "PageChecks",
                columns: new[] { "OrganizationId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PageCheckLocations");

            migrationBuilder.DropTable(
                name: "PageChecks");
        }
    }
}
