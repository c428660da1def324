-- A database as the hand-written migrations 0001..0013 (removed in favour of EF Core's own) left it:
-- their script (IMigrator.GenerateScript() over the old migrations) followed by rows the old portal wrote.
-- Used by SchemaTests to prove the upgrade to the EF Core baseline keeps data. Do not edit the schema part.
CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,
    "ProductVersion" TEXT NOT NULL
);

BEGIN TRANSACTION;
CREATE TABLE "Organizations" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Organizations" PRIMARY KEY,
    "Name" TEXT NOT NULL,
    "CreatedAt" TEXT NOT NULL
);

CREATE TABLE "AspNetRoles" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_AspNetRoles" PRIMARY KEY,
    "Name" TEXT NULL,
    "NormalizedName" TEXT NULL,
    "ConcurrencyStamp" TEXT NULL
);

CREATE TABLE "AspNetUsers" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_AspNetUsers" PRIMARY KEY,
    "UserName" TEXT NULL,
    "NormalizedUserName" TEXT NULL,
    "Email" TEXT NULL,
    "NormalizedEmail" TEXT NULL,
    "EmailConfirmed" INTEGER NOT NULL,
    "PasswordHash" TEXT NULL,
    "SecurityStamp" TEXT NULL,
    "ConcurrencyStamp" TEXT NULL,
    "PhoneNumber" TEXT NULL,
    "PhoneNumberConfirmed" INTEGER NOT NULL,
    "TwoFactorEnabled" INTEGER NOT NULL,
    "LockoutEnd" TEXT NULL,
    "LockoutEnabled" INTEGER NOT NULL,
    "AccessFailedCount" INTEGER NOT NULL,
    "OrganizationId" TEXT NULL,
    "DisplayName" TEXT NULL,
    "CreatedAt" TEXT NOT NULL,
    CONSTRAINT "FK_AspNetUsers_Organizations_OrganizationId" FOREIGN KEY ("OrganizationId") REFERENCES "Organizations" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "AspNetRoleClaims" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_AspNetRoleClaims" PRIMARY KEY AUTOINCREMENT,
    "RoleId" TEXT NOT NULL,
    "ClaimType" TEXT NULL,
    "ClaimValue" TEXT NULL,
    CONSTRAINT "FK_AspNetRoleClaims_AspNetRoles_RoleId" FOREIGN KEY ("RoleId") REFERENCES "AspNetRoles" ("Id") ON DELETE CASCADE
);

CREATE TABLE "AspNetUserClaims" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_AspNetUserClaims" PRIMARY KEY AUTOINCREMENT,
    "UserId" TEXT NOT NULL,
    "ClaimType" TEXT NULL,
    "ClaimValue" TEXT NULL,
    CONSTRAINT "FK_AspNetUserClaims_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES "AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE TABLE "AspNetUserLogins" (
    "LoginProvider" TEXT NOT NULL,
    "ProviderKey" TEXT NOT NULL,
    "ProviderDisplayName" TEXT NULL,
    "UserId" TEXT NOT NULL,
    CONSTRAINT "PK_AspNetUserLogins" PRIMARY KEY ("LoginProvider", "ProviderKey"),
    CONSTRAINT "FK_AspNetUserLogins_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES "AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE TABLE "AspNetUserPasskeys" (
    "CredentialId" BLOB NOT NULL CONSTRAINT "PK_AspNetUserPasskeys" PRIMARY KEY,
    "UserId" TEXT NOT NULL,
    "Data" TEXT NOT NULL,
    CONSTRAINT "FK_AspNetUserPasskeys_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES "AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE TABLE "AspNetUserRoles" (
    "UserId" TEXT NOT NULL,
    "RoleId" TEXT NOT NULL,
    CONSTRAINT "PK_AspNetUserRoles" PRIMARY KEY ("UserId", "RoleId"),
    CONSTRAINT "FK_AspNetUserRoles_AspNetRoles_RoleId" FOREIGN KEY ("RoleId") REFERENCES "AspNetRoles" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_AspNetUserRoles_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES "AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE TABLE "AspNetUserTokens" (
    "UserId" TEXT NOT NULL,
    "LoginProvider" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "Value" TEXT NULL,
    CONSTRAINT "PK_AspNetUserTokens" PRIMARY KEY ("UserId", "LoginProvider", "Name"),
    CONSTRAINT "FK_AspNetUserTokens_AspNetUsers_UserId" FOREIGN KEY ("UserId") REFERENCES "AspNetUsers" ("Id") ON DELETE CASCADE
);

CREATE INDEX "IX_AspNetRoleClaims_RoleId" ON "AspNetRoleClaims" ("RoleId");

CREATE UNIQUE INDEX "RoleNameIndex" ON "AspNetRoles" ("NormalizedName");

CREATE INDEX "IX_AspNetUserClaims_UserId" ON "AspNetUserClaims" ("UserId");

CREATE INDEX "IX_AspNetUserLogins_UserId" ON "AspNetUserLogins" ("UserId");

CREATE INDEX "IX_AspNetUserPasskeys_UserId" ON "AspNetUserPasskeys" ("UserId");

CREATE INDEX "IX_AspNetUserRoles_RoleId" ON "AspNetUserRoles" ("RoleId");

CREATE INDEX "EmailIndex" ON "AspNetUsers" ("NormalizedEmail");

CREATE UNIQUE INDEX "UserNameIndex" ON "AspNetUsers" ("NormalizedUserName");

CREATE INDEX "IX_AspNetUsers_OrganizationId" ON "AspNetUsers" ("OrganizationId");

CREATE TABLE "Pops" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Pops" PRIMARY KEY,
    "Name" TEXT NOT NULL,
    "City" TEXT NOT NULL,
    "Country" TEXT NOT NULL,
    "Latitude" REAL NOT NULL,
    "Longitude" REAL NOT NULL,
    "Network" TEXT NOT NULL
);

CREATE TABLE "Servers" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Servers" PRIMARY KEY,
    "Name" TEXT NOT NULL,
    "PopId" TEXT NOT NULL,
    "Address" TEXT NOT NULL,
    "Enabled" INTEGER NOT NULL,
    CONSTRAINT "FK_Servers_Pops_PopId" FOREIGN KEY ("PopId") REFERENCES "Pops" ("Id") ON DELETE RESTRICT
);

CREATE UNIQUE INDEX "IX_Servers_Address" ON "Servers" ("Address");

CREATE INDEX "IX_Servers_PopId" ON "Servers" ("PopId");

CREATE TABLE "ServerServices" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_ServerServices" PRIMARY KEY,
    "ServerId" TEXT NOT NULL,
    "Type" TEXT NOT NULL,
    "Port" INTEGER NOT NULL,
    "Path" TEXT NULL,
    "ExpectedStatus" INTEGER NOT NULL,
    "ExpectedContent" TEXT NULL,
    "Interval" TEXT NOT NULL,
    "Timeout" TEXT NOT NULL,
    CONSTRAINT "FK_ServerServices_Servers_ServerId" FOREIGN KEY ("ServerId") REFERENCES "Servers" ("Id") ON DELETE CASCADE
);

CREATE INDEX "IX_ServerServices_ServerId" ON "ServerServices" ("ServerId");

CREATE TABLE "EmailMessages" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_EmailMessages" PRIMARY KEY,
    "To" TEXT NOT NULL,
    "Subject" TEXT NOT NULL,
    "HtmlBody" TEXT NOT NULL,
    "TextBody" TEXT NOT NULL,
    "CreatedAt" TEXT NOT NULL,
    "Attempts" INTEGER NOT NULL,
    "NextAttemptAt" TEXT NOT NULL,
    "SentAt" TEXT NULL,
    "LastError" TEXT NULL
);

CREATE INDEX "IX_EmailMessages_SentAt_NextAttemptAt" ON "EmailMessages" ("SentAt", "NextAttemptAt");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261122000001_InitialSchema', '10.0.14');

COMMIT;

BEGIN TRANSACTION;
CREATE TABLE "Hostnames" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Hostnames" PRIMARY KEY,
    "OrganizationId" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "Kind" TEXT NOT NULL,
    "Alias" TEXT NULL,
    "Services" TEXT NOT NULL,
    "Verification" TEXT NOT NULL,
    "VerificationError" TEXT NULL,
    "VerifiedAt" TEXT NULL,
    "TtlSeconds" INTEGER NOT NULL,
    "UseLatency" INTEGER NOT NULL,
    "PersistenceEnabled" INTEGER NOT NULL,
    "PersistenceAccessTimeout" TEXT NOT NULL,
    "PersistenceRefreshTimeout" TEXT NOT NULL,
    "TestType" TEXT NOT NULL,
    "TestPort" INTEGER NOT NULL,
    "TestPath" TEXT NULL,
    "TestExpectedStatus" INTEGER NOT NULL,
    "TestExpectedContent" TEXT NULL,
    "TestInterval" TEXT NOT NULL,
    "TestTimeout" TEXT NOT NULL,
    "Origin" TEXT NULL,
    "OriginScheme" TEXT NOT NULL,
    "OriginPort" INTEGER NOT NULL,
    "OriginHostHeader" TEXT NULL,
    "CacheDefaultTtl" TEXT NOT NULL,
    "HonorOriginHeaders" INTEGER NOT NULL,
    "CreatedAt" TEXT NOT NULL,
    "UpdatedAt" TEXT NOT NULL,
    CONSTRAINT "FK_Hostnames_Organizations_OrganizationId" FOREIGN KEY ("OrganizationId") REFERENCES "Organizations" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_Hostnames_Name" ON "Hostnames" ("Name");

CREATE UNIQUE INDEX "IX_Hostnames_Alias" ON "Hostnames" ("Alias");

CREATE INDEX "IX_Hostnames_OrganizationId" ON "Hostnames" ("OrganizationId");

CREATE TABLE "HostnameAddresses" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_HostnameAddresses" PRIMARY KEY,
    "HostnameId" TEXT NOT NULL,
    "Address" TEXT NOT NULL,
    "Description" TEXT NULL,
    "PopId" TEXT NOT NULL,
    "Weight" INTEGER NOT NULL,
    "HiddenFailover" INTEGER NOT NULL,
    CONSTRAINT "FK_HostnameAddresses_Hostnames_HostnameId" FOREIGN KEY ("HostnameId") REFERENCES "Hostnames" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_HostnameAddresses_HostnameId_Address" ON "HostnameAddresses" ("HostnameId", "Address");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261122000002_Hostnames', '10.0.14');

COMMIT;

BEGIN TRANSACTION;
CREATE TABLE "ConfigVersions" (
    "Version" INTEGER NOT NULL CONSTRAINT "PK_ConfigVersions" PRIMARY KEY,
    "Hash" TEXT NOT NULL,
    "ContentHash" TEXT NOT NULL,
    "KeyId" TEXT NOT NULL,
    "Author" TEXT NOT NULL,
    "CreatedAt" TEXT NOT NULL,
    "Summary" TEXT NOT NULL,
    "RolledBackFrom" INTEGER NULL,
    "Envelope" BLOB NOT NULL
);

CREATE TABLE "EdgeNodes" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_EdgeNodes" PRIMARY KEY,
    "PopId" TEXT NOT NULL,
    "Roles" TEXT NOT NULL,
    "DnsEndpoint" TEXT NULL,
    "MetricsEndpoint" TEXT NULL,
    "CacheEndpoint" TEXT NULL,
    "LoadPEndpoint" TEXT NULL,
    "CreatedAt" TEXT NOT NULL,
    "LastHeartbeatAt" TEXT NULL,
    "RunningVersion" INTEGER NULL,
    "RunningHash" TEXT NULL,
    "LastHeartbeat" TEXT NULL,
    CONSTRAINT "FK_EdgeNodes_Pops_PopId" FOREIGN KEY ("PopId") REFERENCES "Pops" ("Id") ON DELETE RESTRICT
);

CREATE INDEX "IX_EdgeNodes_PopId" ON "EdgeNodes" ("PopId");

CREATE TABLE "EdgeNodeKeys" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_EdgeNodeKeys" PRIMARY KEY,
    "NodeId" TEXT NOT NULL,
    "KeyHash" TEXT NOT NULL,
    "Prefix" TEXT NOT NULL,
    "IssuedAt" TEXT NOT NULL,
    "IssuedBy" TEXT NOT NULL,
    "RevokedAt" TEXT NULL,
    "RevokedBy" TEXT NULL,
    CONSTRAINT "FK_EdgeNodeKeys_EdgeNodes_NodeId" FOREIGN KEY ("NodeId") REFERENCES "EdgeNodes" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_EdgeNodeKeys_KeyHash" ON "EdgeNodeKeys" ("KeyHash");

CREATE INDEX "IX_EdgeNodeKeys_NodeId" ON "EdgeNodeKeys" ("NodeId");

CREATE TABLE "EdgeUploads" (
    "NodeId" TEXT NOT NULL,
    "Sequence" INTEGER NOT NULL,
    "Kind" TEXT NOT NULL,
    "EnqueuedAt" TEXT NOT NULL,
    "ReceivedAt" TEXT NOT NULL,
    "Payload" TEXT NOT NULL,
    CONSTRAINT "PK_EdgeUploads" PRIMARY KEY ("NodeId", "Sequence")
);

CREATE INDEX "IX_EdgeUploads_Kind_ReceivedAt" ON "EdgeUploads" ("Kind", "ReceivedAt");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261122000010_EdgeAndConfiguration', '10.0.14');

COMMIT;

BEGIN TRANSACTION;
CREATE TABLE "ServiceStates" (
    "ServerId" TEXT NOT NULL,
    "ServiceId" TEXT NOT NULL,
    "ProbeNodeId" TEXT NOT NULL,
    "Value" INTEGER NOT NULL,
    "Error" TEXT NOT NULL,
    "MeasuredAt" TEXT NOT NULL,
    "ReceivedAt" TEXT NOT NULL,
    CONSTRAINT "PK_ServiceStates" PRIMARY KEY ("ServerId", "ServiceId", "ProbeNodeId")
);

CREATE TABLE "DecisionCounts" (
    "Minute" TEXT NOT NULL,
    "NodeId" TEXT NOT NULL,
    "Hostname" TEXT NOT NULL,
    "Address" TEXT NOT NULL,
    "PopId" TEXT NOT NULL,
    "Count" INTEGER NOT NULL,
    CONSTRAINT "PK_DecisionCounts" PRIMARY KEY ("Minute", "NodeId", "Hostname", "Address", "PopId")
);

CREATE INDEX "IX_DecisionCounts_Hostname_Minute" ON "DecisionCounts" ("Hostname", "Minute");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261122000011_EdgeReports', '10.0.14');

COMMIT;

BEGIN TRANSACTION;
CREATE TABLE "PurgeOrders" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_PurgeOrders" PRIMARY KEY,
    "OrganizationId" TEXT NOT NULL,
    "HostnameId" TEXT NOT NULL,
    "Hostname" TEXT NOT NULL,
    "Kind" TEXT NOT NULL,
    "Path" TEXT NOT NULL,
    "Url" TEXT NOT NULL,
    "Soft" INTEGER NOT NULL,
    "CreatedAt" TEXT NOT NULL,
    "CreatedBy" TEXT NOT NULL,
    CONSTRAINT "FK_PurgeOrders_Hostnames_HostnameId" FOREIGN KEY ("HostnameId") REFERENCES "Hostnames" ("Id") ON DELETE CASCADE
);

CREATE INDEX "IX_PurgeOrders_HostnameId" ON "PurgeOrders" ("HostnameId");

CREATE INDEX "IX_PurgeOrders_OrganizationId_CreatedAt" ON "PurgeOrders" ("OrganizationId", "CreatedAt");

CREATE TABLE "PurgeNodeStatuses" (
    "OrderId" TEXT NOT NULL,
    "NodeId" TEXT NOT NULL,
    "Status" TEXT NOT NULL,
    "ObjectsAffected" INTEGER NOT NULL,
    "CompletedAt" TEXT NULL,
    CONSTRAINT "PK_PurgeNodeStatuses" PRIMARY KEY ("OrderId", "NodeId"),
    CONSTRAINT "FK_PurgeNodeStatuses_PurgeOrders_OrderId" FOREIGN KEY ("OrderId") REFERENCES "PurgeOrders" ("Id") ON DELETE CASCADE
);

CREATE INDEX "IX_PurgeNodeStatuses_NodeId_Status" ON "PurgeNodeStatuses" ("NodeId", "Status");

CREATE TABLE "UsageRollups" (
    "Minute" TEXT NOT NULL,
    "Hostname" TEXT NOT NULL,
    "PopId" TEXT NOT NULL,
    "NodeId" TEXT NOT NULL,
    "Requests" INTEGER NOT NULL,
    "BytesToClients" INTEGER NOT NULL,
    "BytesFromOrigin" INTEGER NOT NULL,
    "Status2xx" INTEGER NOT NULL,
    "Status3xx" INTEGER NOT NULL,
    "Status4xx" INTEGER NOT NULL,
    "Status5xx" INTEGER NOT NULL,
    "Hits" INTEGER NOT NULL,
    "Misses" INTEGER NOT NULL,
    CONSTRAINT "PK_UsageRollups" PRIMARY KEY ("Minute", "Hostname", "PopId", "NodeId")
);

CREATE INDEX "IX_UsageRollups_Hostname_Minute" ON "UsageRollups" ("Hostname", "Minute");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261122000012_ContentAndUsage', '10.0.14');

COMMIT;

BEGIN TRANSACTION;
CREATE TABLE "ApiKeys" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_ApiKeys" PRIMARY KEY,
    "OrganizationId" TEXT NOT NULL,
    "Name" TEXT NOT NULL,
    "Prefix" TEXT NOT NULL,
    "KeyHash" TEXT NOT NULL,
    "CreatedAt" TEXT NOT NULL,
    "CreatedBy" TEXT NOT NULL,
    "RevokedAt" TEXT NULL,
    "LastUsedAt" TEXT NULL
);

CREATE UNIQUE INDEX "IX_ApiKeys_KeyHash" ON "ApiKeys" ("KeyHash");

CREATE INDEX "IX_ApiKeys_OrganizationId" ON "ApiKeys" ("OrganizationId");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261122000013_ApiKeys', '10.0.14');

COMMIT;


-- Data, in the formats EF Core's SQLite provider writes (GUIDs upper-case text, UTC times as text).
INSERT INTO "Organizations" ("Id", "Name", "CreatedAt") VALUES ('6A1F9C1E-0000-4000-8000-000000000001', 'Old Customer Ltd', '2026-01-02 03:04:05');
INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount", "OrganizationId", "DisplayName", "CreatedAt")
VALUES ('u1', 'old@example.test', 'OLD@EXAMPLE.TEST', 'old@example.test', 'OLD@EXAMPLE.TEST', 1, 0, 0, 1, 0, '6A1F9C1E-0000-4000-8000-000000000001', 'Old User', '2026-01-02 03:04:05');
INSERT INTO "AspNetRoles" ("Id", "Name", "NormalizedName", "ConcurrencyStamp") VALUES ('r1', 'Customer', 'CUSTOMER', 'c1');
INSERT INTO "AspNetUserRoles" ("UserId", "RoleId") VALUES ('u1', 'r1');
INSERT INTO "Pops" ("Id", "Name", "City", "Country", "Latitude", "Longitude", "Network") VALUES ('ams', 'Amsterdam', 'Amsterdam', 'NL', 52.37, 4.9, 'AMS-IX');
INSERT INTO "Servers" ("Id", "Name", "PopId", "Address", "Enabled") VALUES ('6A1F9C1E-0000-4000-8000-000000000002', 'cache1.ams', 'ams', '127.0.0.99', 1);
INSERT INTO "Hostnames" ("Id", "OrganizationId", "Name", "Kind", "Alias", "Services", "Verification", "VerificationError", "VerifiedAt", "TtlSeconds", "UseLatency", "PersistenceEnabled", "PersistenceAccessTimeout", "PersistenceRefreshTimeout", "TestType", "TestPort", "TestPath", "TestExpectedStatus", "TestExpectedContent", "TestInterval", "TestTimeout", "Origin", "OriginScheme", "OriginPort", "OriginHostHeader", "CacheDefaultTtl", "HonorOriginHeaders", "CreatedAt", "UpdatedAt")
VALUES ('6A1F9C1E-0000-4000-8000-000000000003', '6A1F9C1E-0000-4000-8000-000000000001', 'www.old.example', 'CustomerOwned', 'www-old-example.customer.speedera.net', 'Cdn', 'Active', NULL, '2026-01-03 00:00:00', 30, 1, 0, '00:05:00', '01:00:00', 'Http', 80, '/', 200, NULL, '00:00:10', '00:00:05', 'origin.old.example', 'http', 80, NULL, '01:00:00', 1, '2026-01-02 03:04:05', '2026-01-02 03:04:05');
INSERT INTO "ApiKeys" ("Id", "OrganizationId", "Name", "Prefix", "KeyHash", "CreatedAt", "CreatedBy", "RevokedAt", "LastUsedAt")
VALUES ('6A1F9C1E-0000-4000-8000-000000000004', '6A1F9C1E-0000-4000-8000-000000000001', 'deploy', 'spk_old', '0000000000000000000000000000000000000000000000000000000000000001', '2026-01-04 00:00:00', 'old@example.test', NULL, NULL);
