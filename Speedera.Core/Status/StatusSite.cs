using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Speedera.Core.Configuration;

namespace Speedera.Core.Status;

/// <summary>
/// The public status site as static files: rendered by the control plane, signed with its configuration key and
/// served by every cache node for <see cref="Hostname"/>, so it answers while the control plane is down.
/// </summary>
public static class StatusSite
{
    /// <summary>The status site's name in the service's own zone.</summary>
    public const string Hostname = "status.speedera.net";

    public const string PagePath = "/";
    public const string RssPath = "/history.rss";
    public const string AtomPath = "/history.atom";
    public const string SummaryPath = "/summary.json";

    /// <summary>The page's styles (a file, so a CSP without inline styles can serve the page too).</summary>
    public const string StylesheetPath = "/status.css";

    /// <summary>How the control plane and edges agree on an envelope: version and hash, quoted.</summary>
    public static string FormatETag(long version, string hash) => $"\"s{version}-{hash}\"";
}

/// <summary>One file of the site: its path (starting with '/'), media type and bytes.</summary>
public sealed record StatusSiteFile(string Path, string ContentType, byte[] Body);

/// <summary>The whole site at one moment; <see cref="Version"/> grows with every publish.</summary>
public sealed record StatusSiteDocument(long Version, DateTimeOffset GeneratedAt, IReadOnlyList<StatusSiteFile> Files);

/// <summary>
/// A signed site: the exact document bytes, their SHA-256, and an ECDSA P-256 signature by the control plane's
/// configuration key (the same key and checks as <see cref="SignedConfiguration"/>).
/// </summary>
public sealed record SignedStatusSite(long Version, string Hash, string KeyId, byte[] Signature, byte[] Document)
{
    public string ETag => StatusSite.FormatETag(Version, Hash);

    public static SignedStatusSite Sign(StatusSiteDocument site, ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(site);
        ArgumentNullException.ThrowIfNull(privateKey);
        var document = JsonSerializer.SerializeToUtf8Bytes(site, StatusSiteJsonContext.Default.StatusSiteDocument);
        return new SignedStatusSite(
            site.Version,
            NetworkConfigurationSerializer.ComputeHash(document),
            ConfigurationKeys.ComputeKeyId(privateKey),
            privateKey.SignData(document, HashAlgorithmName.SHA256),
            document);
    }

    /// <summary>Checks key id, hash, signature, that the document parses and carries the envelope's version.</summary>
    public bool TryVerify(ECDsa publicKey, out StatusSiteDocument? site, out string? error)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        site = null;
        if (Document is not { Length: > 0 } || Signature is null || Hash is null || KeyId is null)
        {
            error = "Malformed: the envelope lacks a document, a hash, a key id or a signature.";
            return false;
        }

        if (KeyId != ConfigurationKeys.ComputeKeyId(publicKey))
        {
            error = $"UnknownKey: signed by key {KeyId}.";
            return false;
        }

        if (Hash != NetworkConfigurationSerializer.ComputeHash(Document))
        {
            error = "HashMismatch: the document does not hash to the envelope's hash.";
            return false;
        }

        if (!publicKey.VerifyData(Document, Signature, HashAlgorithmName.SHA256))
        {
            error = "SignatureInvalid: the signature does not match the document bytes.";
            return false;
        }

        try
        {
            site = JsonSerializer.Deserialize(Document, StatusSiteJsonContext.Default.StatusSiteDocument);
        }
        catch (JsonException ex)
        {
            error = "DocumentUnreadable: " + ex.Message;
            return false;
        }

        if (site is null || site.Version != Version || site.Files.Any(f => f.Path is not ['/', ..] || f.Body is null))
        {
            site = null;
            error = "VersionMismatch or bad file list in the signed document.";
            return false;
        }

        error = null;
        return true;
    }

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, StatusSiteJsonContext.Default.SignedStatusSite);

    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out SignedStatusSite? envelope, out string? error)
    {
        try
        {
            envelope = JsonSerializer.Deserialize(utf8Json, StatusSiteJsonContext.Default.SignedStatusSite);
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

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false)]
[JsonSerializable(typeof(StatusSiteDocument))]
[JsonSerializable(typeof(SignedStatusSite))]
internal sealed partial class StatusSiteJsonContext : JsonSerializerContext;
