namespace Speedera.Edge.Hosting;

/// <summary>
/// The one place edge roles are registered. A role appears here once its host class exists; the
/// command line, the embedded node and heartbeats all read this table.
/// </summary>
public static class EdgeRoleRegistry
{
    /// <summary>Every role name the network knows, available in this build or not.</summary>
    public static IReadOnlyList<string> KnownRoleNames { get; } = ["dns", "probe", "cache", "loadp"];

    /// <summary>Role name → factory. Add a line here when a role's host class lands.</summary>
    public static IReadOnlyDictionary<string, Func<EdgeRoleContext, IEdgeRole>> Roles { get; } =
        new Dictionary<string, Func<EdgeRoleContext, IEdgeRole>>(StringComparer.Ordinal)
        {
            ["dns"] = context => new Dns.DnsRole(context),
            ["cache"] = context => new Cache.CacheRole(context),
            ["probe"] = context => new Probe.ProbeRole(context),
            ["loadp"] = context => new LoadP.LoadPRole(context),
        };
}
