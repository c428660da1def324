using Speedera.Core.PageCheck;

namespace Speedera.Web.Features.PageCheck;

/// <summary>The phases a waterfall bar is made of, with their colours (WebPageTest's palette, readable on light and dark).</summary>
public static class WaterfallPhases
{
    public sealed record Phase(string Name, string Label, string Color);

    public static IReadOnlyList<Phase> All { get; } =
    [
        new("blocked", "Blocked / queued", "#9e9e9e"),
        new("dns", "DNS lookup", "#1f9d8b"),
        new("connect", "Connect", "#f08c00"),
        new("ssl", "TLS", "#b04fc9"),
        new("send", "Send", "#e8590c"),
        new("wait", "Wait (time to first byte)", "#37b24d"),
        new("receive", "Receive", "#1c7ed6"),
    ];

    /// <summary>The segments of one request's bar in order, each (phase, start offset, length) in milliseconds.</summary>
    public static IEnumerable<(Phase Phase, double Start, double Length)> Segments(PageCheckRequest request)
    {
        var t = request.Timings;
        var at = request.StartOffsetMs;
        var ssl = Math.Max(t.Ssl, 0);
        var tcp = Math.Max(t.Connect, 0) - ssl;
        foreach (var (name, length) in new[] { ("blocked", Math.Max(t.Blocked, 0)), ("dns", Math.Max(t.Dns, 0)), ("connect", tcp), ("ssl", ssl), ("send", t.Send), ("wait", t.Wait), ("receive", t.Receive) })
        {
            if (length > 0)
            {
                yield return (All.First(p => p.Name == name), at, length);
            }

            at += Math.Max(length, 0);
        }
    }

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KB",
        _ => $"{bytes / 1024.0 / 1024.0:0.00} MB",
    };

    public static string Ms(double ms) => ms < 0 ? "–" : ms < 10 ? $"{ms:0.0} ms" : $"{ms:0} ms";

    public static string ShortUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u))
        {
            return url;
        }

        var path = u.PathAndQuery;
        var text = u.Host + (path.Length > 48 ? "…" + path[^47..] : path);
        return text;
    }
}
