using System.Text.Json.Serialization;

namespace Speedera.Core.Configuration;

/// <summary>
/// Source-generated JSON metadata for the configuration document and its signed envelope.
/// camelCase names, enums as strings, TimeSpans as seconds (see <see cref="SecondsTimeSpanConverter"/>),
/// no indentation: the bytes are what gets hashed and signed.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(SecondsTimeSpanConverter), typeof(UtcDateTimeOffsetConverter)])]
[JsonSerializable(typeof(NetworkConfiguration))]
[JsonSerializable(typeof(SignedConfiguration))]
internal sealed partial class NetworkConfigurationJsonContext : JsonSerializerContext;
