using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations.Sqlite
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
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    UrlKey = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    CdnHostname = table.Column<string>(type: "TEXT", maxLength: 253, nullable: true),
                    RepeatView = table.Column<bool>(type: "INTEGER", nullable: false),
                    CompareWithOrigin = table.Column<bool>(type: "INTEGER", nullable: false),
                    FullRender = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PageChecks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PageCheckLocations",
                columns: table => new
                {
                    CheckId = table.Column<Guid>(type: "TEXT", nullable: false),
                    PopId = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    NodeId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    ClaimedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Deadline = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    ResultJson = table.Column<string>(type: "TEXT", nullable: true),
                    LoadMs = table.Column<double>(type: "REAL", nullable: true),
                    Bytes = table.Column<long>(type: "INTEGER", nullable: true),
                    Requests = table.Column<int>(type: "INTEGER", nullable: true),
                    Errors = table.Column<int>(type: "INTEGER", nullable: true)
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
