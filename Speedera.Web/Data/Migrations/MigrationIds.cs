namespace Speedera.Web.Data.Migrations;

/// <summary>
/// Migration ids in the order they apply. Migrations are hand-written (the EF Design package is
/// not available here); <c>SchemaTests</c> checks that migrating an empty database yields
/// exactly the schema the model describes.
/// </summary>
public static class MigrationIds
{
    public const string InitialSchema = "20261122000001_InitialSchema";
    public const string Hostnames = "20261122000002_Hostnames";
    public const string EdgeReports = "20261122000011_EdgeReports";
    public const string ContentAndUsage = "20261122000012_ContentAndUsage";
}
