using System.Text.Json;
using System.Text.Json.Serialization;

namespace Speedera.Core.PageCheck;

/// <summary>The JSON of page-check jobs (control plane to probe node), results (uploads) and HAR files.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PageCheckJob[]))]
[JsonSerializable(typeof(PageCheckLocationResult))]
[JsonSerializable(typeof(HarFile))]
public sealed partial class PageCheckJson : JsonSerializerContext;
