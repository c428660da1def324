using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Speedera.Core.Configuration;

namespace Speedera.Core.Geo;

/// <summary>
/// The geo data file as it travels to dns nodes and sits on their disks, signed like the network
/// configuration: the exact <see cref="GeoDatabase.Serialize"/> bytes, their SHA-256, the data
/// version and an ECDSA P-256 signature over the bytes by the control plane's key.
/// </summary>
public sealed record SignedGeoData(long Version, string Hash, string KeyId, byte[] Signature, byte[] Data)
{
    public string ETag => SignedConfiguration.FormatETag(Version, Hash);

    public static SignedGeoData Sign(byte[] data, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(privateKey);
        return new SignedGeoData(
            GeoDatabase.PeekVersion(data),
            NetworkConfigurationSerializer.ComputeHash(data),
            ConfigurationKeys.ComputeKeyId(privateKey),
            privateKey.SignData(data, HashAlgorithmName.SHA256),
            data);
    }

    /// <summary>Checks key id, hash, signature, that the data parses and carries the envelope's version.</summary>
    public bool TryVerify(ECDsa publicKey, out GeoDatabase? database, out string? error)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        database = null;
        if (Data is null || Data.Length == 0 || Signature is null || Hash is null || KeyId is null)
        {
            error = "The geo envelope lacks data, a hash, a key id or a signature.";
            return false;
        }

        var expectedKeyId = ConfigurationKeys.ComputeKeyId(publicKey);
        if (!string.Equals(KeyId, expectedKeyId, StringComparison.Ordinal))
        {
            error = $"Geo data signed by key {KeyId}; this node trusts key {expectedKeyId}.";
            return false;
        }

        if (!string.Equals(Hash, NetworkConfigurationSerializer.ComputeHash(Data), StringComparison.Ordinal))
        {
            error = "The geo data does not match the envelope's SHA-256.";
            return false;
        }

        if (!publicKey.VerifyData(Data, Signature, HashAlgorithmName.SHA256))
        {
            error = "The ECDSA signature does not match the geo data.";
            return false;
        }

        if (!GeoDatabase.TryDeserialize(Data, out database, out error))
        {
            return false;
        }

        if (database!.Version != Version)
        {
            error = $"The envelope says version {Version} but the data is version {database.Version}.";
            database = null;
            return false;
        }

        return true;
    }

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, GeoJsonContext.Default.SignedGeoData);

    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out SignedGeoData? envelope, out string? error)
    {
        try
        {
            envelope = JsonSerializer.Deserialize(utf8Json, GeoJsonContext.Default.SignedGeoData);
            error = envelope is null ? "The geo envelope is JSON null." : null;
            return envelope is not null;
        }
        catch (JsonException ex)
        {
            envelope = null;
            error = "The geo envelope does not parse: " + ex.Message;
            return false;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(SignedGeoData))]
internal sealed partial class GeoJsonContext : JsonSerializerContext;
