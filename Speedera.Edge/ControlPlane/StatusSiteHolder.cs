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
        : this(envelope.Version, envelope.Hash, site.GeneratedAt, site.Files)
    {
        SourceFiles = site.Files;
    }

    private StatusSiteContent(long version, string hash, DateTimeOffset generatedAt, IReadOnlyList<StatusSiteFile> files)
    {
        Version = version;
        Hash = hash;
        GeneratedAt = generatedAt;
        SourceFiles = files;
        Files = files.ToFrozenDictionary(
            f => f.Path,
            f => new StatusSiteEntry(f.ContentType, f.Body, $"\"{Convert.ToHexStringLower(SHA256.HashData(f.Body))[..16]}\""),
            StringComparer.Ordinal);
    }

    /// <summary>The files as the control plane signed them.</summary>
    public IReadOnlyList<StatusSiteFile> SourceFiles { get; }

    /// <summary>This node's view while the control plane does not answer it (<see cref="ControlPlaneOutageView"/>).</summary>
    public DateTimeOffset? ControlPlaneUnreachableSince { get; private init; }

    public StatusSiteContent WithControlPlaneUnreachable(DateTimeOffset since, string nodeId) =>
        new(Version, Hash, GeneratedAt, ControlPlaneOutageView.Apply(SourceFiles, since, nodeId)) { ControlPlaneUnreachableSince = since };

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
    private readonly Lock _gate = new();
    private volatile StatusSiteContent? _current;
    private StatusSiteContent? _verified;
    private DateTimeOffset? _unreachableSince;
    private string? _nodeId;

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

    /// <summary>What the node serves: the verified site, or its outage view of it while the control plane is unreachable.</summary>
    public StatusSiteContent? Current => _current;

    /// <summary>
    /// The poller's news about the control plane: null when it answers, else since when it does not. After
    /// <see cref="ControlPlaneOutageView.ShowAfter"/> of silence the node serves its outage view; when the control plane
    /// answers again, the verified site.
    /// </summary>
    public void ReportControlPlane(DateTimeOffset? unreachableSince, DateTimeOffset now, string nodeId)
    {
        lock (_gate)
        {
            _unreachableSince = unreachableSince;
            _nodeId = nodeId;
            _current = View(_verified, now);
        }
    }

    private StatusSiteContent? View(StatusSiteContent? verified, DateTimeOffset now) =>
        verified is not null && _unreachableSince is { } since && now - since >= ControlPlaneOutageView.ShowAfter
            ? (_current is { ControlPlaneUnreachableSince: { } shown } current && shown == since && current.Version == verified.Version
                ? current
                : verified.WithControlPlaneUnreachable(since, _nodeId ?? "?"))
            : verified;

    /// <summary>Verifies and applies envelope bytes; older or equal versions are ignored (true, nothing changes).</summary>
    public bool TryApply(byte[] envelopeBytes, bool persist, out string? error)
    {
        if (!SignedStatusSite.TryParse(envelopeBytes, out var envelope, out error) || !envelope!.TryVerify(_publicKey, out var site, out error))
        {
            return false;
        }

        lock (_gate)
        {
            if (_verified is { } current && current.Version >= envelope.Version)
            {
                return true;
            }

            _verified = new StatusSiteContent(envelope, site!);
            _current = _verified;
        }

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
