namespace Speedera.Core.Cache;

/// <summary>What a purge order removes: one URL, every URL under a directory, or a whole hostname (the patent's cache control).</summary>
public enum PurgeKind
{
    Url,
    Prefix,
    Host,
}

/// <summary>
/// An order to invalidate cached content on every cache node. <see cref="Path"/> is the path and
/// query as the origin sees it (<c>/images/picture.jpg</c>, <c>/images/</c>); it is ignored for
/// <see cref="PurgeKind.Host"/>. A soft purge marks objects stale instead of removing them, so they
/// can still be revalidated with the origin or served under stale-if-error.
/// </summary>
public sealed record PurgeOrder(
    Guid Id,
    string Hostname,
    PurgeKind Kind,
    string Path,
    bool Soft,
    DateTimeOffset CreatedAt)
{
    /// <summary>Parses <c>http://www.customer.com/images/</c> style input: a trailing slash means a directory, a bare host means the site.</summary>
    public static PurgeOrder FromUrl(Guid id, Uri url, bool soft, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(url);
        var path = url.PathAndQuery;
        var kind = path == "/" ? PurgeKind.Host : path.EndsWith('/') ? PurgeKind.Prefix : PurgeKind.Url;
        return new PurgeOrder(id, url.IdnHost.ToLowerInvariant(), kind, path, soft, createdAt);
    }

    /// <summary>Whether a cached object's path (path and query) falls under this order.</summary>
    public bool Matches(string path) => Kind switch
    {
        PurgeKind.Host => true,
        PurgeKind.Prefix => path.StartsWith(Path, StringComparison.Ordinal),
        _ => string.Equals(path, Path, StringComparison.Ordinal),
    };
}

public enum PurgeStatus
{
    Pending,
    Done,
    Failed,
}

/// <summary>The outcome of applying one order on one node, reported back to the control plane.</summary>
public sealed record PurgeResult(Guid OrderId, string NodeId, PurgeStatus Status, int ObjectsAffected, DateTimeOffset CompletedAt);
