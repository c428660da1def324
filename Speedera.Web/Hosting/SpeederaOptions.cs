using System.ComponentModel.DataAnnotations;

namespace Speedera.Web.Hosting;

/// <summary>Settings under <c>Speedera</c>; see appsettings.example.json for each one.</summary>
public sealed class SpeederaOptions
{
    public const string Section = "Speedera";

    /// <summary>Folder for the SQLite database, mail pickup, keys; relative paths are under the content root.</summary>
    [Required]
    public string DataDirectory { get; set; } = "App_Data";

    /// <summary>The service's own DNS zone customers get names under.</summary>
    [Required]
    [RegularExpression(@"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", ErrorMessage = "Speedera:ServiceZone must be a lower-case DNS name such as speedera.net.")]
    public string ServiceZone { get; set; } = "speedera.net";

    /// <summary>Seed the demo network (POPs and servers on 127.0.0.x) into an empty database.</summary>
    public bool SeedDemoNetwork { get; set; } = true;

    public AdminOptions Admin { get; set; } = new();

    /// <summary>Customer-given network targets (<c>Speedera:Security</c>).</summary>
    public SecurityOptions Security { get; set; } = new();

    /// <summary>First labels of the service zone's name servers; customers delegate their names to these.</summary>
    public List<string> NameServers { get; set; } = ["ns1", "ns2"];

    /// <summary>Glue for the name servers until a dns node is enrolled (then the nodes' addresses are used).</summary>
    public List<string> NameServerFallbackAddresses { get; set; } = ["127.0.0.1"];

    public IReadOnlyList<string> NameServerNames() => [.. NameServers.Select(label => $"{label}.{ServiceZone}")];

    public string ResolveDataDirectory(string contentRoot) =>
        Path.GetFullPath(Path.IsPathRooted(DataDirectory) ? DataDirectory : Path.Combine(contentRoot, DataDirectory));
}

public sealed class AdminOptions
{
    [Required]
    [EmailAddress]
    public string Email { get; set; } = "admin@speedera.local";

    /// <summary>From <c>Speedera__Admin__Password</c>; when empty a password is generated and printed once.</summary>
    public string? Password { get; set; }
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
    SqlServer,
}

/// <summary>Settings under <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Required for Postgres and SqlServer; for SQLite defaults to <c>speedera.db</c> in the data directory.</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Settings under <c>Speedera:Proxy</c>: the TLS-terminating proxies whose forwarded headers are believed.</summary>
public sealed class ProxyOptions
{
    public const string Section = "Speedera:Proxy";

    /// <summary>
    /// Addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/24</c>) of the proxies in front of the
    /// portal. Empty: only loopback, for a proxy on the same machine. Headers from anyone else are ignored.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    internal static bool IsValidEntry(string entry) =>
        System.Net.IPAddress.TryParse(entry, out _) || System.Net.IPNetwork.TryParse(entry, out _);
}
