using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Primitives;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>A stored body: in memory, on disk, or both. Shared by successive header versions of one response (304 updates).</summary>
internal sealed class CachedBody
{
    // The memory copy: a byte array, or a SealedBody (a sealed memfd the plain-HTTP sender can sendfile from).
    private object? _memory;

    public CachedBody(long length, byte[] sha256, ReadOnlyMemory<byte>? memory, string? diskFile, bool diskVerified)
    {
        Length = length;
        Sha256 = sha256;
        _memory = Holder(memory);
        DiskFile = diskFile;
        DiskVerified = diskVerified;
    }

    public long Length { get; }

    public byte[] Sha256 { get; }

    public ReadOnlyMemory<byte>? Memory => Volatile.Read(ref _memory) switch
    {
        byte[] array => new ReadOnlyMemory<byte>(array),
        SealedBody sealedBody => (ReadOnlyMemory<byte>)sealedBody.Memory,

        // Spelled out: a bare null here would become an empty memory through the array conversion, not "no copy".
        _ => (ReadOnlyMemory<byte>?)null,
    };

    /// <summary>Body file name inside the disk tier directory, once written.</summary>
    public string? DiskFile { get; set; }

    public bool DiskVerified { get; set; }

    public long LastAccess;

    public void SetMemory(ReadOnlyMemory<byte>? memory) => Volatile.Write(ref _memory, Holder(memory));

    /// <summary>What holds the bytes: the whole array, or the sealed body behind the memory.</summary>
    private static object? Holder(ReadOnlyMemory<byte>? memory)
    {
        if (memory is not { } m)
        {
            return null;
        }

        if (MemoryMarshal.TryGetMemoryManager(m, out SealedBody? sealedBody, out int start, out int length) && start == 0 && length == sealedBody.Length)
        {
            return sealedBody;
        }

        return MemoryMarshal.TryGetArray(m, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : m.ToArray();
    }
}

/// <summary>One stored response (RFC 9111 §3): its header section, timing and parsed caching metadata, and its body.</summary>
internal sealed class CachedResponse
{
    public CachedResponse(
        string hostname,
        string path,
        int status,
        KeyValuePair<string, StringValues>[] headers,
        ResponseTiming timing,
        IReadOnlyList<string> varyNames,
        string secondaryKey,
        FreshnessDefaults freshness,
        CachedBody body)
    {
        Hostname = hostname;
        Path = path;
        Status = status;
        Headers = headers;
        Timing = timing;
        VaryNames = varyNames;
        SecondaryKey = secondaryKey;
        Body = body;
        Defaults = freshness;

        string? cacheControl = null, targeted = null, expires = null, etag = null, lastModified = null;
        foreach (var (name, value) in headers)
        {
            if (name.Equals("Cache-Control", StringComparison.OrdinalIgnoreCase)) cacheControl = value.ToString();
            else if (HttpHeaderRules.IsTargetedCacheControl(name)) targeted ??= value.ToString();
            else if (name.Equals("Expires", StringComparison.OrdinalIgnoreCase)) expires = value.ToString();
            else if (name.Equals("ETag", StringComparison.OrdinalIgnoreCase)) etag = value.ToString();
            else if (name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase)) lastModified = value.ToString();
        }

        // RFC 9213 §2.1: a targeted field (CDN-Cache-Control, Surrogate-Control) replaces Cache-Control for this cache.
        Directives = CacheControlDirectives.Parse(targeted ?? cacheControl);
        ETag = etag;
        LastModifiedValue = lastModified;
        LastModified = HttpDate.Parse(lastModified);
        FreshnessLifetime = CachePolicy.FreshnessLifetime(
            status, Directives, expires is not null, HttpDate.Parse(expires), timing.Date, LastModified, timing.ResponseTime, freshness);
    }

    public string Hostname { get; }

    public string Path { get; }

    public int Status { get; }

    /// <summary>End-to-end fields as received (no hop-by-hop fields, no Age, no Content-Length).</summary>
    public KeyValuePair<string, StringValues>[] Headers { get; }

    public ResponseTiming Timing { get; }

    public IReadOnlyList<string> VaryNames { get; }

    public string SecondaryKey { get; }

    public FreshnessDefaults Defaults { get; }

    public CacheControlDirectives Directives { get; }

    public TimeSpan FreshnessLifetime { get; }

    public string? ETag { get; }

    public string? LastModifiedValue { get; }

    public DateTimeOffset? LastModified { get; }

    public CachedBody Body { get; }

    /// <summary>Set by a soft purge or an unsafe method on the URL (RFC 9111 §4.4): the response counts as stale.</summary>
    public volatile bool Invalidated;

    /// <summary>The serialized start of a 200 answer for the connection-level hit path, made on first use (see FastHitServer).</summary>
    internal byte[]? FastHead;

    /// <summary>Set when the object was removed (hard purge, replacement, eviction); a reader holding it may finish.</summary>
    public volatile bool Removed;

    public TimeSpan CurrentAge(DateTimeOffset now) => CachePolicy.CurrentAge(Timing, now);

    /// <summary>RFC 9111 §4.3.4: a 304 replaces the stored header fields it carries, keeping the body.</summary>
    public CachedResponse WithUpdatedHeaders(HttpResponseMessage notModified, ResponseTiming timing)
    {
        var merged = new List<KeyValuePair<string, StringValues>>(Headers.Length + 4);
        var replaced = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in notModified.Headers.NonValidated.Concat(notModified.Content.Headers.NonValidated))
        {
            if (HttpHeaderRules.IsHopByHop(header.Key) || HttpHeaderRules.IsNotUpdatedBy304(header.Key))
            {
                continue;
            }

            replaced.Add(header.Key);
            merged.Add(new(header.Key, new StringValues(header.Value.ToArray())));
        }

        foreach (var header in Headers)
        {
            if (!replaced.Contains(header.Key))
            {
                merged.Add(header);
            }
        }

        return new CachedResponse(Hostname, Path, Status, merged.ToArray(), timing, VaryNames, SecondaryKey, Defaults, Body);
    }
}

internal static class HttpDate
{
    public static DateTimeOffset? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var r) ? r
            : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var any) ? any
            : null;
    }

    public static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
}

internal static class HttpHeaderRules
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
    };

    public static bool IsHopByHop(string name) => HopByHop.Contains(name);

    /// <summary>RFC 9111 §3.2: fields a 304 must not change in the stored response (Content-Length describes the stored body).</summary>
    public static bool IsNotUpdatedBy304(string name) =>
        name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("ETag", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Content-MD5", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Content-Range", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Age", StringComparison.OrdinalIgnoreCase);

    /// <summary>RFC 9213 targeted fields this cache obeys, in order of precedence (CDN-Cache-Control first).</summary>
    public static bool IsTargetedCacheControl(string name) =>
        name.Equals("CDN-Cache-Control", StringComparison.OrdinalIgnoreCase) || name.Equals("Surrogate-Control", StringComparison.OrdinalIgnoreCase);

    /// <summary>Surrogate-Control is meant for the surrogate alone and is removed before the response goes downstream.</summary>
    public static bool IsNotForwarded(string name) => name.Equals("Surrogate-Control", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fields the cache computes itself, never stored from the origin.</summary>
    public static bool IsNotStored(string name) =>
        IsHopByHop(name) ||
        name.Equals("Age", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Cache-Status", StringComparison.OrdinalIgnoreCase);
}
