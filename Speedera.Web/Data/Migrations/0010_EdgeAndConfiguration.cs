using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Speedera.Web.Data.Migrations;

/// <summary>Published configuration versions, enrolled edge nodes, their hashed keys, and uploads.</summary>
[DbContext(typeof(SpeederaDbContext))]
[Migration(Id)]
public sealed class EdgeAndConfiguration : Migration
{
    public const string Id = "20261122000010_EdgeAndConfiguration";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "ConfigVersions",
            columns: table => new
            {
                Version = table.Column<long>(nullable: false),
                Hash = table.Column<string>(maxLength: 64, nullable: false),
                ContentHash = table.Column<string>(maxLength: 64, nullable: false),
                KeyId = table.Column<string>(maxLength: 16, nullable: false),
                Author = table.Column<string>(maxLength: 256, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                Summary = table.Column<string>(maxLength: 2000, nullable: false),
                RolledBackFrom = table.Column<long>(nullable: true),
                Envelope = table.Column<byte[]>(nullable: false)
            },
            constraints: table => table.PrimaryKey("PK_ConfigVersions", x => x.Version));

        migrationBuilder.CreateTable(
            name: "EdgeNodes",
            columns: table => new
            {
                Id = table.Column<string>(maxLength: 64, nullable: false),
                PopId = table.Column<string>(maxLength: 16, nullable: false),
                Roles = table.Column<string>(maxLength: 64, nullable: false),
                DnsEndpoint = table.Column<string>(maxLength: 64, nullable: true),
                MetricsEndpoint = table.Column<string>(maxLength: 64, nullable: true),
                CacheEndpoint = table.Column<string>(maxLength: 64, nullable: true),
                LoadPEndpoint = table.Column<string>(maxLength: 64, nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
                LastHeartbeatAt = table.Column<DateTime>(nullable: true),
                RunningVersion = table.Column<long>(nullable: true),
                RunningHash = table.Column<string>(maxLength: 64, nullable: true),
                LastHeartbeat = table.Column<string>(maxLength: 8000, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_EdgeNodes", x => x.Id);
                table.ForeignKey(
                    name: "FK_EdgeNodes_Pops_PopId",
                    column: x => x.PopId,
                    principalTable: "Pops",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(
            name: "IX_EdgeNodes_PopId",
            table: "EdgeNodes",
            column: "PopId");

        migrationBuilder.CreateTable(
            name: "EdgeNodeKeys",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                NodeId = table.Column<string>(maxLength: 64, nullable: false),
                KeyHash = table.Column<string>(maxLength: 64, nullable: false),
                Prefix = table.Column<string>(maxLength: 8, nullable: false),
                IssuedAt = table.Column<DateTime>(nullable: false),
                IssuedBy = table.Column<string>(maxLength: 256, nullable: false),
                RevokedAt = table.Column<DateTime>(nullable: true),
                RevokedBy = table.Column<string>(maxLength: 256, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_EdgeNodeKeys", x => x.Id);
                table.ForeignKey(
                    name: "FK_EdgeNodeKeys_EdgeNodes_NodeId",
                    column: x => x.NodeId,
                    principalTable: "EdgeNodes",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_EdgeNodeKeys_KeyHash",
            table: "EdgeNodeKeys",
            column: "KeyHash",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_EdgeNodeKeys_NodeId",
            table: "EdgeNodeKeys",
            column: "NodeId");

        migrationBuilder.CreateTable(
            name: "EdgeUploads",
            columns: table => new
            {
                NodeId = table.Column<string>(maxLength: 64, nullable: false),
                Sequence = table.Column<long>(nullable: false),
                Kind = table.Column<string>(maxLength: 32, nullable: false),
                EnqueuedAt = table.Column<DateTime>(nullable: false),
                ReceivedAt = table.Column<DateTime>(nullable: false),
                Payload = table.Column<string>(nullable: false)
            },
            constraints: table => table.PrimaryKey("PK_EdgeUploads", x => new { x.NodeId, x.Sequence }));

        migrationBuilder.CreateIndex(
            name: "IX_EdgeUploads_Kind_ReceivedAt",
            table: "EdgeUploads",
            columns: new[] { "Kind", "ReceivedAt" });
    }
}
