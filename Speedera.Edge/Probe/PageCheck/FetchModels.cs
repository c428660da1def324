using System.Net;
using Speedera.Core.PageCheck;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>One GET the agent makes: the URL as the page named it, where to connect, and headers a browser would add.</summary>
internal sealed record FetchRequest(Uri Url, ConnectTarget Target, IReadOnlyList<HeaderPair> ExtraHeaders, ByteBudget Budget);

/// <summary>The bytes a view may still receive, shared by all its connections, so parallel responses cannot overshoot it.</summary>
internal sealed class ByteBudget(long bytes)
{
    private long _left = bytes;

    public long Limit { get; } = bytes;

    public long Left => Math.Max(Interlocked.Read(ref _left), 0);

    /// <summary>Takes <paramref name="count"/> bytes; false (and the budget spent) when there were not enough.</summary>
    public bool TryTake(long count) => Interlocked.Add(ref _left, -count) >= 0;
}

/// <summary>What one request returned and when each of its steps happened.</summary>
internal sealed class FetchResult
{
    public required RequestMarks Marks { get; init; }

    public int Status { get; init; }

    public string Reason { get; init; } = "";

    public string HttpVersion { get; init; } = "HTTP/1.1";

    public IReadOnlyList<HeaderPair> RequestHeaders { get; init; } = [];

    public IReadOnlyList<HeaderPair> ResponseHeaders { get; init; } = [];

    public long RequestHeaderBytes { get; init; } = -1;

    public long ResponseHeaderBytes { get; init; } = -1;

    /// <summary>The body as received (still content-encoded).</summary>
    public byte[] Body { get; init; } = [];

    public IPEndPoint? Remote { get; init; }

    public int ConnectionId { get; init; }

    public bool NewConnection { get; init; }

    public TlsDetails? Tls { get; init; }

    public string? Header(string name) => ResponseHeaders.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;
}

/// <summary>A body longer than the check's byte budget allows.</summary>
internal sealed class BodyTooLargeException(long limit) : IOException($"The check's byte budget of {limit} bytes is spent.");

/// <summary>A response the agent could not parse as HTTP.</summary>
internal sealed class BadResponseException(string message) : IOException(message);
