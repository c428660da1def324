using System.Text.Json;
using System.Text.Json.Serialization;

namespace Speedera.Core.Reports;

/// <summary>One second of one hostname's cache traffic on a node.</summary>
public sealed record RealtimeRow(long Second, string Hostname, long Requests, long BytesToClients);

/// <summary>
/// POST /api/edge/v1/realtime body: the seconds a cache node finished since its last report. Sent every second
/// and never spooled: a second that arrives late is worth nothing to a 120-second live view, the minute rollups
/// carry the durable figures. <see cref="RealtimeRow.Second"/> is Unix seconds (UTC).
/// </summary>
public sealed record RealtimeReport(string NodeId, string PopId, IReadOnlyList<RealtimeRow> Rows)
{
    public const string Path = "api/edge/v1/realtime";

    /// <summary>How much a report may carry (a node that fell behind sends the newest seconds only).</summary>
    public const int MaxRows = 5000;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RealtimeReport))]
public sealed partial class RealtimeJson : JsonSerializerContext;
