using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations;

/// <summary>Customer hostnames with traffic management and CDN settings, and their addresses.</summary>
[DbContext(typeof(SpeederaDbContext))]
[Migration(MigrationIds.Hostnames)]
public sealed class Hostnames : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Hostnames",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrganizationId = table.Column<Guid>(nullable: false),
                Name = table.Column<string>(maxLength: 253, nullable: false),
                Kind = table.Column<string>(maxLength: 16, nullable: false),
                Alias = table.Column<string>(maxLength: 253, nullable: true),
                Services = table.Column<string>(maxLength: 32, nullable: false),
                Verification = table.Column<string>(maxLength: 16, nullable: false),
                VerificationError = table.Column<string>(maxLength: 1000, nullable: true),
                VerifiedAt = table.Column<DateTime>(nullable: true),
                TtlSeconds = table.Column<int>(nullable: false),
                UseLatency = table.Column<bool>(nullable: false),
                PersistenceEnabled = table.Column<bool>(nullable: false),
                PersistenceAccessTimeout = table.Column<TimeSpan>(nullable: false),
                PersistenceRefreshTimeout = table.Column<TimeSpan>(nullable: false),
                TestType = table.Column<string>(maxLength: 16, nullable: false),
                TestPort = table.Column<int>(nullable: false),
                TestPath = table.Column<string>(maxLength: 500, nullable: true),
                TestExpectedStatus = table.Column<int>(nullable: false),
                TestExpectedContent = table.Column<string>(maxLength: 500, nullable: true),
                TestInterval = table.Column<TimeSpan>(nullable: false),
                TestTimeout = table.Column<TimeSpan>(nullable: false),
                Origin = table.Column<string>(maxLength: 253, nullable: true),
                OriginScheme = table.Column<string>(maxLength: 5, nullable: false),
                OriginPort = table.Column<int>(nullable: false),
                OriginHostHeader = table.Column<string>(maxLength: 253, nullable: true),
                CacheDefaultTtl = table.Column<TimeSpan>(nullable: false),
                HonorOriginHeaders = table.Column<bool>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Hostnames", x => x.Id);
                table.ForeignKey(
                    name: "FK_Hostnames_Organizations_OrganizationId",
                    column: x => x.OrganizationId,
                    principalTable: "Organizations",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_Hostnames_Name",
            table: "Hostnames",
            column: "Name",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_Hostnames_Alias",
            table: "Hostnames",
            column: "Alias",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_Hostnames_OrganizationId",
            table: "Hostnames",
            column: "OrganizationId");

        migrationBuilder.CreateTable(
            name: "HostnameAddresses",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                HostnameId = table.Column<Guid>(nullable: false),
                Address = table.Column<string>(maxLength: 45, nullable: false),
                Description = table.Column<string>(maxLength: 200, nullable: true),
                PopId = table.Column<string>(maxLength: 16, nullable: false),
                Weight = table.Column<int>(nullable: false),
                HiddenFailover = table.Column<bool>(nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_HostnameAddresses", x => x.Id);
                table.ForeignKey(
                    name: "FK_HostnameAddresses_Hostnames_HostnameId",
                    column: x => x.HostnameId,
                    principalTable: "Hostnames",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_HostnameAddresses_HostnameId_Address",
            table: "HostnameAddresses",
            columns: new[] { "HostnameId", "Address" },
            unique: true);
    }
}
