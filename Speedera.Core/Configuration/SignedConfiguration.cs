using System.Security.Cryptography;
using System.Text.Json;

namespace Speedera.Core.Configuration;

/// <summary>
/// What travels to edge nodes and sits on their disks: the exact document bytes, their SHA-256,
/// the version, and an ECDSA P-256 (SHA-256, IEEE P1363) signature over the document bytes by the
/// control plane's key named by <see cref="KeyId"/>.
/// </summary>
public sealed record SignedConfiguration(
    long Version,
    string Hash,
    string KeyId,
    byte[] Signature,
    byte[] Document)
{
    /// <summary>The HTTP entity tag for this envelope: version and hash, quoted.</summary>
    public string ETag => FormatETag(Version, Hash);

    public static string FormatETag(long version, string hash) => $"\"{version}-{hash}\"";

    /// <summary>Serializes <paramref name="configuration"/> canonically and signs the bytes.</summary>
    public static SignedConfiguration Sign(NetworkConfiguration configuration, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(privateKey);
        var document = NetworkConfigurationSerializer.Serialize(configuration);
        return new SignedConfiguration(
            configuration.Version,
            NetworkConfigurationSerializer.ComputeHash(document),
            ConfigurationKeys.ComputeKeyId(privateKey),
            privateKey.SignData(document, HashAlgorithmName.SHA256),
            document);
    }

    /// <summary>
    /// Checks the key id, the hash, the signature and that the document parses and carries the
    /// envelope's version. On failure <paramref name="error"/> says which check failed.
    /// </summary>
    public bool TryVerify(
        ECDsa publicKey,
        out NetworkConfiguration? configuration,
        out SignatureVerificationError error,
        out string? detail)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        configuration = null;
        detail = null;

        if (Document is null || Document.Length == 0 || Signature is null || Hash is null || KeyId is null)
        {
            error = SignatureVerificationError.Malformed;
            detail = "The envelope lacks a document, a hash, a key id or a signature.";
            return false;
        }

        var expectedKeyId = ConfigurationKeys.ComputeKeyId(publicKey);
        if (!string.Equals(KeyId, expectedKeyId, StringComparison.Ordinal))
        {
            error = SignatureVerificationError.UnknownKey;
            detail = $"Signed by key {KeyId}; this node trusts key {expectedKeyId}.";
            return false;
        }

        var actualHash = NetworkConfigurationSerializer.ComputeHash(Document);
        if (!string.Equals(Hash, actualHash, StringComparison.Ordinal))
        {
            error = SignatureVerificationError.HashMismatch;
            detail = $"The envelope says SHA-256 {Hash} but the document hashes to {actualHash}.";
            return false;
        }

        if (!publicKey.VerifyData(Document, Signature, HashAlgorithmName.SHA256))
        {
            error = SignatureVerificationError.SignatureInvalid;
            detail = "The ECDSA signature does not match the document bytes.";
            return false;
        }

        NetworkConfiguration parsed;
        try
        {
            parsed = NetworkConfigurationSerializer.Deserialize(Document);
        }
        catch (JsonException ex)
        {
            error = SignatureVerificationError.DocumentUnreadable;
            detail = "The signed document does not parse: " + ex.Message;
            return false;
        }

        if (parsed.Version != Version)
        {
            error = SignatureVerificationError.VersionMismatch;
            detail = $"The envelope says version {Version} but the document is version {parsed.Version}.";
            return false;
        }

        configuration = parsed;
        error = SignatureVerificationError.None;
        return true;
    }

    public byte[] ToJsonBytes() =>
        JsonSerializer.SerializeToUtf8Bytes(this, NetworkConfigurationJsonContext.Default.SignedConfiguration);

    /// <summary>Reads an envelope; returns false with a reason when the bytes are not one.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out SignedConfiguration? envelope, out string? error)
    {
        try
        {
            envelope = JsonSerializer.Deserialize(utf8Json, NetworkConfigurationJsonContext.Default.SignedConfiguration);
            error = envelope is null ? "The envelope is JSON null." : null;
            return envelope is not null;
        }
        catch (JsonException ex)
        {
            envelope = null;
            error = "The envelope does not parse: " + ex.Message;
            return false;
        }
    }
}

public enum SignatureVerificationError
{
    None = 0,
    Malformed,
    UnknownKey,
    HashMismatch,
    SignatureInvalid,
    DocumentUnreadable,
    VersionMismatch,
}
