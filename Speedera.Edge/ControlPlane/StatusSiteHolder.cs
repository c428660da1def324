using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Speedera.Core.Status;

namespace Speedera.Edge.ControlPlane;

/// <summary>One file of the status site, ready to write: headers precomputed once per publish.</summary>
public sealed class StatusSiteEntry(string contentType, byte[] body, string etag)
{
    public string ContentType { get; } = contentType;

    public byte[] Body { get; } = body;

    public string ETag { get; } = etag;
}

/// <summary>A verified status site, swapped whole when a newer one arrives.</summary>
public sealed class StatusSiteContent
{
    public StatusSiteContent(SignedStatusSite envelope, StatusSiteDocument site)
    {
        Version = envelope.Version;
        Hash = envelope.Hash;
        GeneratedAt = site.GeneratedAt;
        Files = site.Files.ToFrozenDictionary(
            f => f.Path,
            f => new StatusSiteEntry(f.ContentType, f.Body, $"\"{Convert.ToHexStringLower(SHA256.HashData(f.Body))[..16]}\""),
            StringComparer.Ordinal);
    }

    public long Version { get; }

    public string Hash { get; }

    public DateTimeOffset GeneratedAt { get; }

    public FrozenDictionary<string, StatusSiteEntry> Files { get; }

    public string ETag => StatusSite.FormatETag(Version, Hash);
}

/// <summary>
/// The status site this node serves: loaded from its last good file at start, replaced by the control plane's
/// newer signed versions. Static stability as for the configuration: a node that cannot reach the control plane keeps
/// serving the last site it verified.
/// </summary>
public sealed class StatusSiteHolder
{
    private readonly ECDsa _publicKey;
    private volatile StatusSiteContent? _current;

    public StatusSiteHolder(ECDsa publicKey, string directory)
    {
        _publicKey = publicKey;
        FilePath = Path.Combine(directory, "status-site.json");
        if (File.Exists(FilePath))
        {
            // A damaged or foreign file is ignored: the poller fetches a good one.
            TryApply(File.ReadAllBytes(FilePath), persist: false, out _);
        }
    }

    public string FilePath { get; }

    public StatusSiteContent? Current => _current;

    /// <summary>Verifies and applies envelope bytes; older or equal versions are ignored (true, nothing changes).</summary>
    public bool TryApply(byte[] envelopeBytes, bool persist, out string? error)
    {
        if (!SignedStatusSite.TryParse(envelopeBytes, out var envelope, out error) || !envelope!.TryVerify(_publicKey, out var site, out error))
        {
            return false;
        }

        if (_current is { } current && current.Version >= envelope.Version)
        {
            return true;
        }

        _current = new StatusSiteContent(envelope, site!);
        if (persist)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            var temp = FilePath + ".tmp";
            File.WriteAllBytes(temp, envelopeBytes);
            File.Move(temp, FilePath, overwrite: true);
        }

        return true;
    }

    /// <summary>The body for a request path (<c>/</c> and <c>/index.html</c> are the page).</summary>
    public static StatusSiteEntry? Find(StatusSiteContent? content, string path)
    {
        if (content is null)
        {
            return null;
        }

        if (path is "" or "/index.html")
        {
            path = StatusSite.PagePath;
        }

        return content.Files.GetValueOrDefault(path);
    }

    internal static byte[] NotYet { get; } = Encoding.UTF8.GetBytes("The status page has not been received by this node yet.\n");
}
