using System.Text.Json;
using System.Text.Json.Serialization;

namespace Speedera.Core.ControlPlane;

/// <summary>
/// The edge API between nodes and the control plane (shared by both sides). Nodes authenticate
/// every request with <c>Authorization: Node &lt;node-id&gt;:&lt;key&gt;</c>.
/// </summary>
public static class EdgeApi
{
    public const string ConfigPath = "/api/edge/v1/config";
    public const string HeartbeatPath = "/api/edge/v1/heartbeat";
    public const string UploadsPathPrefix = "/api/edge/v1/uploads/";

    /// <summary>The signed geo data file (IP → country) dns nodes use for region routing (ETag / If-None-Match).</summary>
    public const string GeoDataPath = "/api/edge/v1/geodata";

    /// <summary>Purge orders not yet done by the calling node (long-poll with <see cref="WaitParameter"/>).</summary>
    public const string PurgesPath = "/api/edge/v1/purges";

    /// <summary>Where a cache node reports the orders it applied.</summary>
    public const string PurgeResultsPath = "/api/edge/v1/purges/results";

    /// <summary>The signed public status site (long-poll with <see cref="WaitParameter"/> and If-None-Match).</summary>
    public const string StatusSitePath = "/api/edge/v1/status-site";

    /// <summary>Page-check jobs for the calling probe node's POP, claimed on delivery (long-poll with <see cref="WaitParameter"/>); results come back as uploads.</summary>
    public const string PageChecksPath = "/api/edge/v1/page-checks";

    /// <summary>Query parameter: seconds the control plane may hold a config request before 304.</summary>
    public const string WaitParameter = "wait";

    public const string AuthorizationScheme = "Node";

    public static string UploadsPath(string kind) => UploadsPathPrefix + kind;

    public static string FormatAuthorization(string nodeId, string key) => $"{nodeId}:{key}";

    /// <summary>Splits the credentials of a <c>Node id:key</c> authorization header value.</summary>
    public static bool TryParseAuthorization(string? header, out string nodeId, out string key)
    {
        nodeId = key = "";
        if (header is null || !header.StartsWith(AuthorizationScheme + " ", StringComparison.Ordinal))
        {
            return false;
        }

        var credentials = header.AsSpan(AuthorizationScheme.Length + 1).Trim();
        var colon = credentials.IndexOf(':');
        if (colon <= 0 || colon == credentials.Length - 1)
        {
            return false;
        }

        nodeId = credentials[..colon].ToString();
        key = credentials[(colon + 1)..].ToString();
        return true;
    }
}

/// <summary>Upload kinds in use; any lower-case name of letters, digits and '-' works.</summary>
public static class UploadKinds
{
    public const string Heartbeat = "heartbeat";
    public const string Usage = "usage";
    public const string Decisions = "decisions";
    public const string ProbeResults = "probe-results";
    public const string PageCheckResults = "page-check-results";

    /// <summary>Per-minute GTM query counts per (hostname, client subnet, resolver).</summary>
    public const string ClientGroups = "client-groups";

    /// <summary>A dns node's own service-metric and latency tables (the explainer decides as that node does).</summary>
    public const string DnsView = "dns-view";

    public static bool IsValid(string? kind) =>
        !string.IsNullOrEmpty(kind) && kind.Length <= 32 && kind.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}

public sealed record RoleHealthReport(string Role, string Status, string? Detail);

/// <summary>POST /api/edge/v1/heartbeat body.</summary>
public sealed record HeartbeatReport(
    string NodeId,
    IReadOnlyList<string> Roles,
    long? RunningVersion,
    string? RunningHash,
    string? ConfigSource,
    DateTimeOffset? AppliedAt,
    DateTimeOffset StartedAt,
    DateTimeOffset SentAt,
    IReadOnlyList<RoleHealthReport> Health,
    string? LastRefusal,
    long PendingUploads,
    IReadOnlyDictionary<string, long>? Counters = null,
    IReadOnlyList<UnreachablePeriod>? ControlPlaneUnreachable = null);

/// <summary>A period in which a node could not reach the control plane (measured by the node; reported when it can again).</summary>
public sealed record UnreachablePeriod(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// Cumulative counters a heartbeat may carry (since the node started; the control plane takes differences between
/// heartbeats for rates, so a lost heartbeat loses nothing).
/// </summary>
public static class HeartbeatCounters
{
    public const string DnsQueries = "dns.queries";
    public const string DnsServFail = "dns.servfail";
    public const string DnsRefused = "dns.refused";
}

/// <summary>One spooled record: a per-node sequence number and a JSON payload of the kind's own shape.</summary>
public sealed record UploadRecord(long Sequence, DateTimeOffset EnqueuedAt, JsonElement Payload);

/// <summary>POST /api/edge/v1/uploads/{kind} body.</summary>
public sealed record UploadBatch(string NodeId, string Kind, IReadOnlyList<UploadRecord> Records);

/// <summary>Answer to an upload batch: how many records were new and how many had already arrived.</summary>
public sealed record UploadAck(int Accepted, int Duplicates);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HeartbeatReport))]
[JsonSerializable(typeof(UploadRecord))]
[JsonSerializable(typeof(UploadBatch))]
[JsonSerializable(typeof(UploadAck))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(EdgeStatusReport))]
public sealed partial class EdgeApiJsonContext : JsonSerializerContext;

/// <summary>GET /status on a node's status endpoint.</summary>
public sealed record EdgeStatusReport(
    string NodeId,
    long? RunningVersion,
    string? RunningHash,
    string? ConfigSource,
    DateTimeOffset? AppliedAt,
    string? LastRefusal,
    long? LastRefusedVersion,
    long PendingUploads,
    long LastUploadSequence,
    IReadOnlyList<RoleHealthReport> Health);
