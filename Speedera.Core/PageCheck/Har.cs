using System.Text.Json.Serialization;

namespace Speedera.Core.PageCheck;

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): the object model, with the optional fields we fill.
public sealed record HarFile(HarLog Log);

public sealed record HarLog(string Version, HarCreator Creator, IReadOnlyList<HarPage> Pages, IReadOnlyList<HarEntry> Entries, string? Comment = null);

public sealed record HarCreator(string Name, string Version);

public sealed record HarPage(string StartedDateTime, string Id, string Title, HarPageTimings PageTimings);

public sealed record HarPageTimings(double OnContentLoad, double OnLoad);

public sealed record HarEntry(
    string Pageref,
    string StartedDateTime,
    double Time,
    HarRequest Request,
    HarResponse Response,
    HarCache Cache,
    HarTimings Timings,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ServerIPAddress,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Connection,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Comment);

public sealed record HarNameValue(string Name, string Value);

public sealed record HarRequest(string Method, string Url, string HttpVersion, IReadOnlyList<HarNameValue> Cookies, IReadOnlyList<HarNameValue> Headers, IReadOnlyList<HarNameValue> QueryString, long HeadersSize, long BodySize);

public sealed record HarResponse(int Status, string StatusText, string HttpVersion, IReadOnlyList<HarNameValue> Cookies, IReadOnlyList<HarNameValue> Headers, HarContent Content, string RedirectURL, long HeadersSize, long BodySize);

public sealed record HarContent(long Size, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Compression, string MimeType);

public sealed record HarCache;

public sealed record HarTimings(double Blocked, double Dns, double Connect, double Send, double Wait, double Receive, double Ssl);

/// <summary>Builds a HAR 1.2 document from one view of one location.</summary>
public static class HarBuilder
{
    public static HarFile Build(PageCheckViewResult view, string location, string creatorVersion)
    {
        ArgumentNullException.ThrowIfNull(view);
        var pageId = $"{location}-{view.Route}-{view.View}".ToLowerInvariant();
        var summary = view.Summary;
        var page = new HarPage(
            Iso(view.StartedAt),
            pageId,
            view.Requests.Count > 0 ? view.Requests[0].Url : "",
            new HarPageTimings(Round(view.Render?.DomContentLoadedMs ?? summary.DocumentMs), Round(view.Render?.OnLoadMs ?? summary.TotalMs)));
        var entries = view.Requests.Select(r => Entry(r, view.StartedAt, pageId)).ToList();
        return new HarFile(new HarLog("1.2", new HarCreator("Speedera page check", creatorVersion), [page], entries, $"{location}, {view.View} view, {view.Route}"));
    }

    private static HarEntry Entry(PageCheckRequest r, DateTimeOffset viewStart, string pageId)
    {
        var t = r.Timings;

        // Rounded phases first, then the entry time as their sum, so the two agree exactly as HAR asks.
        var timings = new HarTimings(Round(t.Blocked), Round(t.Dns), Round(t.Connect), Round(t.Send), Round(t.Wait), Round(t.Receive), Round(t.Ssl));
        var time = Math.Max(timings.Blocked, 0) + Math.Max(timings.Dns, 0) + Math.Max(timings.Connect, 0) + timings.Send + timings.Wait + timings.Receive;
        var uri = Uri.TryCreate(r.Url, UriKind.Absolute, out var u) ? u : null;
        var query = uri is null || uri.Query.Length <= 1
            ? []
            : uri.Query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p =>
            {
                var eq = p.IndexOf('=', StringComparison.Ordinal);
                return eq < 0 ? new HarNameValue(Uri.UnescapeDataString(p), "") : new HarNameValue(Uri.UnescapeDataString(p[..eq]), Uri.UnescapeDataString(p[(eq + 1)..]));
            }).ToList();
        var request = new HarRequest(r.Method, r.Url, r.HttpVersion, [], Headers(r.RequestHeaders), query, r.RequestHeaderBytes, 0);
        var compression = r.BodyDecodedBytes - r.BodyWireBytes;
        var response = new HarResponse(
            r.Status,
            r.StatusText,
            r.HttpVersion,
            [],
            Headers(r.ResponseHeaders),
            new HarContent(r.BodyDecodedBytes, compression > 0 ? compression : null, r.ContentType ?? "x-unknown"),
            r.RedirectUrl ?? "",
            r.ResponseHeaderBytes,
            r.FromCache ? 0 : r.BodyWireBytes);
        var comment = r.FromCache ? "served from the browser cache" : r.Error;
        return new HarEntry(
            pageId,
            Iso(viewStart.AddTicks((long)(r.StartOffsetMs * TimeSpan.TicksPerMillisecond))),
            Round(time),
            request,
            response,
            new HarCache(),
            timings,
            r.RemoteAddress,
            r.Connection > 0 ? r.Connection.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
            comment);
    }

    private static List<HarNameValue> Headers(IReadOnlyList<HeaderPair> headers) => [.. headers.Select(h => new HarNameValue(h.Name, h.Value))];

    private static double Round(double ms) => ms < 0 ? -1 : Math.Round(ms, 3);

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
