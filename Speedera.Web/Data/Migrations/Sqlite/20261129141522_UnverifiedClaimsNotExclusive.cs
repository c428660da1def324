using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UnverifiedClaimsNotExclusive : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Hostnames_Name",
                table: "Hostnames");

            migrationBuilder.AddColumn<string>(
                name: "ChallengeToken",
                table: "Hostnames",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            // Claims made before tokens existed get one, so they can be proven with the TXT record too.
            migrationBuilder.Sql("UPDATE \"Hostnames\" SET \"ChallengeToken\" = lower(hex(randomblob(16))) WHERE \"Kind\" = 'CustomerOwned';");

            migrationBuilder.CreateIndex(
                name: "IX_Hostnames_Name",
                table: "Hostnames",
                column: "Name");

            migrationBuilder.CreateIndex(
                name: "IX_Hostnames_Name_Active",
                table: "Hostnames",
                column: "Name",
                unique: true,
                filter: "\"Verification\" = 'Active'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Hostnames_Name",
                table: "Hostnames");

            migrationBuilder.DropIndex(
                name: "IX_Hostnames_Name_Active",
                table: "Hostnames");

            migrationBuilder.DropColumn(
                name: "ChallengeToken",
                table: "Hostnames");

            migrationBuilder.CreateIndex(
                name: "IX_Hostnames_Name",
                table: "Hostnames",
                column: "Name",
                unique: true);
        }
    }
}
