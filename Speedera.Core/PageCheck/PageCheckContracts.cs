namespace Speedera.Core.PageCheck;

/// <summary>First view: cold resolver cache, fresh connections, empty browser cache. Repeat view: the same page again, warm.</summary>
public enum PageCheckView
{
    First,
    Repeat,
}

/// <summary>
/// How the page's own host is reached. <see cref="Cdn"/>: through the POP's own cache; <see cref="Origin"/>: straight to
/// the customer's origin; <see cref="Direct"/>: the URL as the public internet resolves it (not a hostname of ours).
/// </summary>
public enum PageCheckRoute
{
    Direct,
    Cdn,
    Origin,
}

/// <summary>Where a check stands at one location.</summary>
public enum PageCheckLocationStatus
{
    Queued,
    Running,
    Done,
    Failed,
    TimedOut,
}

/// <summary>Bounds of one check at one location, so a fetcher customers point at URLs cannot be turned into a crawler.</summary>
public sealed record PageCheckLimits(int MaxComponents, long MaxTotalBytes, int MaxRedirects, TimeSpan Timeout, int MaxConnectionsPerHost)
{
    public static PageCheckLimits Default { get; } = new(200, 32L * 1024 * 1024, 5, TimeSpan.FromSeconds(60), 6);

    /// <summary>The tighter of two sets of limits (the job's and the agent's own).</summary>
    public PageCheckLimits Min(PageCheckLimits other) => new(
        Math.Min(MaxComponents, other.MaxComponents),
        Math.Min(MaxTotalBytes, other.MaxTotalBytes),
        Math.Min(MaxRedirects, other.MaxRedirects),
        Timeout < other.Timeout ? Timeout : other.Timeout,
        Math.Clamp(Math.Min(MaxConnectionsPerHost, other.MaxConnectionsPerHost), 1, 6));
}

/// <summary>
/// One location's part of a check, as the control plane hands it to a probe node of that POP. <see cref="CdnHostname"/>
/// is set when the URL's host is a CDN hostname of the customer configured in the network: only then may the agent go
/// through the POP's cache and to the configured origin.
/// </summary>
public sealed record PageCheckJob(
    Guid CheckId,
    string PopId,
    string Url,
    bool RepeatView,
    bool CompareWithOrigin,
    bool FullRender,
    string? CdnHostname,
    PageCheckLimits Limits,
    DateTimeOffset Deadline);

/// <summary>Per-request phase durations in milliseconds, as HAR 1.2 defines them; -1 where a phase did not happen.</summary>
public sealed record PhaseTimings(double Blocked, double Dns, double Connect, double Ssl, double Send, double Wait, double Receive)
{
    public static PhaseTimings Zero { get; } = new(-1, -1, -1, -1, 0, 0, 0);

    /// <summary>HAR 1.2: the entry's time is the sum of the phases that happened; ssl is already inside connect.</summary>
    public double Total => Math.Max(Blocked, 0) + Math.Max(Dns, 0) + Math.Max(Connect, 0) + Send + Wait + Receive;
}

public sealed record HeaderPair(string Name, string Value);

/// <summary>A TLS session as the agent saw it: protocol, cipher suite, ALPN answer and the server certificate.</summary>
public sealed record TlsDetails(
    string Protocol,
    string Cipher,
    string Alpn,
    string? Subject,
    string? Issuer,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidTo,
    string? SubjectName);

/// <summary>One request the agent made (or served from its browser cache in the repeat view).</summary>
public sealed record PageCheckRequest
{
    public required int Index { get; init; }

    public required string Url { get; init; }

    public string Method { get; init; } = "GET";

    /// <summary>document, stylesheet, script, image, font, iframe, other.</summary>
    public required string Kind { get; init; }

    /// <summary>The request whose content referred to this one (-1 for the page itself).</summary>
    public int Initiator { get; init; } = -1;

    /// <summary>Milliseconds from the view's start to when the request was wanted.</summary>
    public required double StartOffsetMs { get; init; }

    public required PhaseTimings Timings { get; init; }

    public int Status { get; init; }

    public string StatusText { get; init; } = "";

    public string HttpVersion { get; init; } = "HTTP/1.1";

    public long RequestHeaderBytes { get; init; } = -1;

    public long ResponseHeaderBytes { get; init; } = -1;

    /// <summary>Body bytes as they crossed the wire (compressed, without chunk framing).</summary>
    public long BodyWireBytes { get; init; }

    /// <summary>Body bytes after content decoding.</summary>
    public long BodyDecodedBytes { get; init; }

    public string? ContentType { get; init; }

    public string? RemoteAddress { get; init; }

    /// <summary>Which of the view's connections carried it; requests on one connection share the number.</summary>
    public int Connection { get; init; }

    public bool NewConnection { get; init; }

    /// <summary>Served from the browser cache of the repeat view without a request.</summary>
    public bool FromCache { get; init; }

    /// <summary>Sent with If-None-Match or If-Modified-Since.</summary>
    public bool Conditional { get; init; }

    /// <summary>The TLS session the request went over (null for plain HTTP and the browser cache).</summary>
    public TlsDetails? Tls { get; init; }

    public string? RedirectUrl { get; init; }

    public string? Error { get; init; }

    public IReadOnlyList<HeaderPair> RequestHeaders { get; init; } = [];

    public IReadOnlyList<HeaderPair> ResponseHeaders { get; init; } = [];

    public string? Header(string name) => ResponseHeaders.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;

    public double EndOffsetMs => StartOffsetMs + Timings.Total;
}

/// <summary>Browser render figures from the optional full-render mode (milliseconds from navigation start).</summary>
public sealed record RenderMetrics(double? FirstContentfulPaintMs, double? LargestContentfulPaintMs, double? DomContentLoadedMs, double? OnLoadMs);

/// <summary>One view of one route at one location.</summary>
public sealed record PageCheckViewResult(
    PageCheckView View,
    PageCheckRoute Route,
    DateTimeOffset StartedAt,
    string? Error,
    IReadOnlyList<PageCheckRequest> Requests,
    RenderMetrics? Render = null)
{
    public PageCheckSummary Summary => PageCheckSummary.Of(this);
}

/// <summary>What a probe node uploads for one location of a check.</summary>
public sealed record PageCheckLocationResult(
    Guid CheckId,
    string PopId,
    string NodeId,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    string? Error,
    IReadOnlyList<PageCheckViewResult> Views);
