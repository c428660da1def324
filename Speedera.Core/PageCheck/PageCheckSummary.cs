namespace Speedera.Core.PageCheck;

/// <summary>The overall table's row for one view: the patent's "overall performance table".</summary>
public sealed record PageCheckSummary(
    double TotalMs,
    double DocumentMs,
    double FirstByteMs,
    long WireBytes,
    long DecodedBytes,
    int Requests,
    int Components,
    int FromCache,
    int Errors,
    int Connections,
    int CacheHits)
{
    public static PageCheckSummary Of(PageCheckViewResult view)
    {
        var requests = view.Requests;
        if (requests.Count == 0)
        {
            return new PageCheckSummary(0, 0, 0, 0, 0, 0, 0, 0, view.Error is null ? 0 : 1, 0, 0);
        }

        var document = requests[0];
        return new PageCheckSummary(
            TotalMs: requests.Max(r => r.EndOffsetMs),
            DocumentMs: document.EndOffsetMs,
            FirstByteMs: document.StartOffsetMs + document.Timings.Total - document.Timings.Receive,
            WireBytes: requests.Sum(r => r.BodyWireBytes + Math.Max(r.ResponseHeaderBytes, 0)),
            DecodedBytes: requests.Sum(r => r.BodyDecodedBytes),
            Requests: requests.Count(r => !r.FromCache),
            Components: requests.Count - 1,
            FromCache: requests.Count(r => r.FromCache),
            Errors: requests.Count(r => r.Error is not null || r.Status >= 400) + (view.Error is null ? 0 : 1),
            Connections: requests.Where(r => r.NewConnection).Select(r => r.Connection).Distinct().Count(),
            CacheHits: requests.Count(r => IsCacheHit(r)));
    }

    /// <summary>A response our (or another) cache served without going to the origin, per Cache-Status (RFC 9211) or X-Cache.</summary>
    public static bool IsCacheHit(PageCheckRequest request)
    {
        if (request.Header("Cache-Status") is { } status)
        {
            return status.Contains(";hit", StringComparison.OrdinalIgnoreCase) || status.Contains("; hit", StringComparison.OrdinalIgnoreCase);
        }

        return request.Header("X-Cache") is { } x && x.StartsWith("HIT", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>One number of two checks side by side (compare page).</summary>
public sealed record SummaryDelta(string Label, double Left, double Right, string Unit)
{
    public double Change => Right - Left;

    public double? Percent => Left == 0 ? null : (Right - Left) / Left * 100;

    public static IReadOnlyList<SummaryDelta> Compare(PageCheckSummary left, PageCheckSummary right) =>
    [
        new("Load time", left.TotalMs, right.TotalMs, "ms"),
        new("First byte", left.FirstByteMs, right.FirstByteMs, "ms"),
        new("Document", left.DocumentMs, right.DocumentMs, "ms"),
        new("Bytes", left.WireBytes, right.WireBytes, "B"),
        new("Requests", left.Requests, right.Requests, ""),
        new("Errors", left.Errors, right.Errors, ""),
        new("Cache hits", left.CacheHits, right.CacheHits, ""),
    ];
}
