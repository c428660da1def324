using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Speedera.Edge.ControlPlane;

/// <summary>
/// Sends records of a kind (usage, decisions, probe-results, ...) to the control plane. Records are
/// spooled to disk first and removed only after the control plane acknowledges them, so a node
/// that cannot reach the control plane loses nothing; each carries a per-node sequence number, so
/// retries are never counted twice.
/// </summary>
public interface IEdgeUploader
{
    /// <summary>Spools one JSON value; returns its sequence number. Throws <see cref="ArgumentException"/> for a bad kind or payload.</summary>
    long Enqueue(string kind, ReadOnlySpan<byte> utf8JsonPayload);

    /// <summary>Records spooled and not yet acknowledged.</summary>
    long PendingCount { get; }
}

public static class EdgeUploaderExtensions
{
    public static long Enqueue<T>(this IEdgeUploader uploader, string kind, T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(uploader);
        return uploader.Enqueue(kind, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
    }
}
