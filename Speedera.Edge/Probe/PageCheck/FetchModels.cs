using System.Net;
using Speedera.Core.PageCheck;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>One GET the agent makes: the URL as the page named it, where to connect, and headers a browser would add.</summary>
internal sealed record FetchRequest(Uri Url, ConnectTarget Target, IReadOnlyList<HeaderPair> ExtraHeaders, long MaxBodyBytes);

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

    public string? Header(string name) => ResponseHeaders.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;
}

/// <summary>A body longer than the check's byte budget allows.</summary>
internal sealed class BodyTooLargeException(long limit) : IOException($"The response is larger than the check's remaining budget of {limit} bytes.");

/// <summary>A response the agent could not parse as HTTP.</summary>
internal sealed class BadResponseException(string message) : IOException(message);
