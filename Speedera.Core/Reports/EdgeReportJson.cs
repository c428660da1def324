using System.Text.Json;
using System.Text.Json.Serialization;
using Speedera.Core.Cache;
using Speedera.Core.Gtm;
using Speedera.Core.Probes;

namespace Speedera.Core.Reports;

/// <summary>
/// The JSON form of what edge nodes report to the control plane through the upload spool: one
/// upload record holds a batch (an array) of one of these. Edge and control plane share it.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ServiceMetric[]))]
[JsonSerializable(typeof(DecisionCountRow[]))]
[JsonSerializable(typeof(ClientGroupCountRow[]))]
[JsonSerializable(typeof(UsageRollup[]))]
[JsonSerializable(typeof(PurgeOrder[]))]
[JsonSerializable(typeof(PurgeResult[]))]
[JsonSerializable(typeof(DnsNodeView))]
public sealed partial class EdgeReportJson : JsonSerializerContext;
