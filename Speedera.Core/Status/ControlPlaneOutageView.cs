using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Speedera.Core.Status;

/// <summary>
/// What an edge node adds to the status site while it cannot reach the control plane: the control plane renders the
/// site and cannot report its own outage, so the node that measures it marks the portal and the REST API as down on the
/// page and in summary.json (the signed files stay as published; the node's view is a copy with a notice that says who
/// measured it and since when).
/// </summary>
public static partial class ControlPlaneOutageView
{
    /// <summary>How long the control plane must stay unreachable before the page says so (a restart is not an outage).</summary>
    public static readonly TimeSpan ShowAfter = TimeSpan.FromSeconds(10);

    /// <summary>The components the control plane itself serves.</summary>
    public static readonly IReadOnlyList<string> Components = ["portal", "api"];

    /// <summary>Placeholder after the banner where the page takes an edge node's notice.</summary>
    public const string NoticeMarker = "<!--edge-notice-->";

    public const string StateAttribute = "data-state-of";

    public static IReadOnlyList<StatusSiteFile> Apply(IReadOnlyList<StatusSiteFile> files, DateTimeOffset unreachableSince, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(files);
        var since = unreachableSince.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        var detail = $"Not answering edge node {nodeId} since {since}";
        return [.. files.Select(f => f.Path switch
        {
            StatusSite.PagePath => f with { Body = Encoding.UTF8.GetBytes(Page(Encoding.UTF8.GetString(f.Body), since, nodeId)) },
            StatusSite.SummaryPath => f with { Body = Summary(f.Body, unreachableSince, nodeId, detail) },
            _ => f,
        })];
    }

    private static string Page(string html, string since, string nodeId)
    {
        var node = WebUtility.HtmlEncode(nodeId);
        html = Banner().Replace(html, "<div class=\"banner major\" data-testid=\"status-indicator\">Customer portal and REST API unreachable</div>", 1);
        html = html.Replace(NoticeMarker,
            $"<div class=\"card incident\" data-testid=\"control-plane-outage\"><strong>Customer portal and REST API unreachable</strong>" +
            $"<div class=\"muted\">Measured by edge node {node} · since {since}</div>" +
            $"<p>The control plane (portal, REST API, this page's publisher) has not answered this edge node since {since}. " +
            "DNS and CDN delivery run on the edge nodes and are not affected by it; the rest of this page is the last state the " +
            "control plane published.</p></div>", StringComparison.Ordinal);
        foreach (var id in Components)
        {
            html = html.Replace(
                StateSpan().Matches(html).FirstOrDefault(m => m.Groups["id"].Value == id)?.Value ?? "\0",
                $"<span class=\"state major_outage\" {StateAttribute}=\"{id}\">Major outage</span>",
                StringComparison.Ordinal);
        }

        return html;
    }

    private static byte[] Summary(byte[] json, DateTimeOffset since, string nodeId, string detail)
    {
        if (JsonNode.Parse(json) is not JsonObject root)
        {
            return json;
        }

        root["status"] = new JsonObject { ["indicator"] = "major", ["description"] = "Customer portal and REST API unreachable" };
        if (root["components"] is JsonArray components)
        {
            foreach (var c in components.OfType<JsonObject>().Where(c => Components.Contains(c["id"]?.GetValue<string>())))
            {
                c["status"] = "major_outage";
                c["description"] = detail;
            }
        }

        root["control_plane"] = new JsonObject
        {
            ["status"] = "unreachable",
            ["since"] = since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["measured_by"] = nodeId,
        };
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            root.WriteTo(writer);
        }

        return stream.ToArray();
    }

    [GeneratedRegex("<div class=\"banner [a-z]+\" data-testid=\"status-indicator\">[^<]*</div>")]
    private static partial Regex Banner();

    [GeneratedRegex("<span class=\"state [a-z_]+\" data-state-of=\"(?<id>[a-z0-9-]+)\">[^<]*</span>")]
    private static partial Regex StateSpan();
}
