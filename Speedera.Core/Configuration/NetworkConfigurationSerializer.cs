using System.Security.Cryptography;
using System.Text.Json;

namespace Speedera.Core.Configuration;

/// <summary>
/// Deterministic serialization of <see cref="NetworkConfiguration"/>: lists are put in canonical
/// order first, so the same content always gives the same bytes and the same hash.
/// </summary>
public static class NetworkConfigurationSerializer
{
    /// <summary>Canonical UTF-8 JSON bytes of <paramref name="configuration"/>.</summary>
    public static byte[] Serialize(NetworkConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return JsonSerializer.SerializeToUtf8Bytes(
            NetworkConfigurationCanonicalizer.Canonicalize(configuration),
            NetworkConfigurationJsonContext.Default.NetworkConfiguration);
    }

    /// <summary>Reads a document; throws <see cref="JsonException"/> when the bytes are not one.</summary>
    public static NetworkConfiguration Deserialize(ReadOnlySpan<byte> utf8Json) =>
        JsonSerializer.Deserialize(utf8Json, NetworkConfigurationJsonContext.Default.NetworkConfiguration)
        ?? throw new JsonException("The document is JSON null.");

    /// <summary>Lower-case hex SHA-256 of the exact bytes.</summary>
    public static string ComputeHash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// Hash of what the network would run, ignoring <see cref="NetworkConfiguration.Version"/>,
    /// <see cref="NetworkConfiguration.GeneratedAt"/> and SOA serials (which follow the version):
    /// the control plane publishes a new version only when this changes.
    /// </summary>
    public static string ComputeContentHash(NetworkConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var neutral = configuration with
        {
            Version = 0,
            GeneratedAt = DateTimeOffset.UnixEpoch,
            Zones = [.. configuration.Zones.Select(z => z with { Soa = z.Soa with { Serial = 0 } })],
        };
        return ComputeHash(Serialize(neutral));
    }
}
