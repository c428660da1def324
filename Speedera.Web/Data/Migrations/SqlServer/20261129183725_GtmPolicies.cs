using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class GtmPolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "GtmPolicies",
                columns: table => new
                {
                    HostnameId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    PolicyJson = table.Column<string>(type: "nvarchar(max)", maxLength: 64000, nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "datetime2", nullable: false),
                    UpdatedBy = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GtmPolicies", x => x.HostnameId);
                    table.ForeignKey(
                        name: "FK_GtmPolicies_Hostnames_HostnameId",
                        column: x => x.HostnameId,
                        principalTable: "Hostnames",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "GtmPolicies");
        }
    }
}
