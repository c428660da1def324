using System.Globalization;
using System.Net;
using System.ServiceModel.Syndication;
using System.Text;
using System.Text.Json;
using System.Xml;
using Speedera.Core.Status;
using Speedera.Web.Features.Incidents;

namespace Speedera.Web.Features.Status;

/// <summary>
/// Renders the status site's static files from a <see cref="StatusModel"/>: the page, RSS 2.0 and Atom 1.0 feeds (one
/// entry per public incident update and per maintenance, stable ids) and a Statuspage-style summary.json. The output
/// depends only on the model (no render time), so an unchanged network gives the same bytes and no new publish.
/// </summary>
public static class StatusSiteBuilder
{
    public const string Name = "Speedera";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static IReadOnlyList<StatusSiteFile> Build(StatusModel m) =>
    [
        new(StatusSite.PagePath, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(Page(m))),
        new(StatusSite.RssPath, "application/rss+xml; charset=utf-8", Feed(m, atom: false)),
        new(StatusSite.AtomPath, "application/atom+xml; charset=utf-8", Feed(m, atom: true)),
        new(StatusSite.SummaryPath, "application/json; charset=utf-8", Summary(m)),
        new(StatusSite.StylesheetPath, "text/css; charset=utf-8", Encoding.UTF8.GetBytes(Stylesheet)),
    ];

    /// <summary>
    /// The page's styles as a file of the site, not inline: the portal's copy under /status answers with a CSP that
    /// forbids inline styles, and one file serves both. Links on the page are relative for the same reason.
    /// </summary>
    public const string Stylesheet = """
        :root{--bg:#f6f7f9;--fg:#1d2430;--card:#fff;--muted:#5b6472;--line:#dde1e7;--ok:#1f9d55;--minor:#d69e2e;--major:#d64545;--maint:#3182ce;--nodata:#c7ccd4}
        @media (prefers-color-scheme: dark){:root{--bg:#12151b;--fg:#e6e9ef;--card:#1b2029;--muted:#9aa3b2;--line:#2c333f;--nodata:#3a414d}}
        *{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--fg)}
        main{max-width:860px;margin:0 auto;padding:24px 16px 48px}h1{font-size:26px;margin:8px 0 20px}h2{font-size:18px;margin:32px 0 12px}
        .banner{padding:14px 18px;border-radius:8px;color:#fff;font-weight:600;font-size:17px}.banner.none{background:var(--ok)}.banner.minor{background:var(--minor)}.banner.major{background:var(--major)}.banner.maintenance{background:var(--maint)}
        .card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:10px 0}
        .comp{display:flex;justify-content:space-between;gap:12px;align-items:baseline}.state{font-weight:600}
        .operational{color:var(--ok)}.degraded_performance,.partial_outage{color:var(--minor)}.major_outage{color:var(--major)}.under_maintenance{color:var(--maint)}
        .bars{display:flex;gap:2px;height:30px;margin:8px 0 4px}.bars span{flex:1;border-radius:2px;background:var(--nodata)}
        .bars .u-ok{background:var(--ok)}.bars .u-minor{background:var(--minor)}.bars .u-major{background:var(--major)}
        .axis{display:flex;justify-content:space-between;color:var(--muted);font-size:12px}
        .muted{color:var(--muted)}.update{border-left:3px solid var(--line);padding:2px 0 2px 12px;margin:8px 0}
        a{color:var(--maint)}form input[type=email]{padding:6px 8px;min-width:260px}footer{margin-top:40px;color:var(--muted);font-size:13px}
        .choose{border:0;padding:0;margin:10px 0 0}.choose legend{color:var(--muted);font-size:13px;padding:0}.choose label{display:inline-block;margin:4px 14px 0 0;white-space:nowrap}
        .banner.minor{color:#1d2430}
        """;

    /// <summary>The time of the newest change the site shows (page and feed "updated").</summary>
    public static DateTime LastChange(StatusModel m) =>
        m.Incidents.Select(i => i.UpdatedAt).Concat(m.Maintenances.Select(x => x.UpdatedAt)).DefaultIfEmpty(DateTime.UnixEpoch).Max();

    public static string Indicator(StatusModel m)
    {
        var worst = m.Components.Select(c => c.State).DefaultIfEmpty(ComponentState.Operational).Max();
        return worst switch
        {
            ComponentState.MajorOutage => "major",
            ComponentState.PartialOutage or ComponentState.DegradedPerformance => "minor",
            ComponentState.UnderMaintenance => "maintenance",
            _ => m.Incidents.Any(i => i.State != IncidentState.Resolved) ? "minor" : "none",
        };
    }

    public static string IndicatorText(string indicator) => indicator switch
    {
        "major" => "Major outage",
        "minor" => "Some systems are affected",
        "maintenance" => "Service under maintenance",
        _ => "All systems operational",
    };

    private static string Page(StatusModel m)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        static string T(DateTime t) => t.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        var indicator = Indicator(m);
        var names = m.Components.ToDictionary(c => c.Id, c => c.Name);
        var html = new StringBuilder();
        html.Append($$$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>{{{Name}}} Status</title>
            <link rel="alternate" type="application/rss+xml" title="{{{Name}}} status (RSS)" href="history.rss">
            <link rel="alternate" type="application/atom+xml" title="{{{Name}}} status (Atom)" href="history.atom">
            <link rel="stylesheet" href="status.css">
            </head>
            <body>
            <main>
            <h1>{{{Name}}} Status</h1>
            <div class="banner {{{indicator}}}" data-testid="status-indicator">{{{IndicatorText(indicator)}}}</div>
            {{{ControlPlaneOutageView.NoticeMarker}}}

            """);

        var active = m.Incidents.Where(i => i.State != IncidentState.Resolved).ToList();
        if (active.Count > 0)
        {
            html.Append("<h2>Active incidents</h2>\n");
            foreach (var i in active)
            {
                Incident(html, i, names);
            }
        }

        var upcoming = m.Maintenances.Where(x => x.Status(m.Now) is "scheduled" or "in_progress").ToList();
        if (upcoming.Count > 0)
        {
            html.Append("<h2>Scheduled maintenance</h2>\n");
            foreach (var x in upcoming)
            {
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"card maintenance\" id=\"maintenance-{x.Id}\" data-testid=\"maintenance\"><strong>{E(x.Title)}</strong> <span class=\"under_maintenance\">{(x.Status(m.Now) == "in_progress" ? "In progress" : "Scheduled")}</span>")
                    .Append(CultureInfo.InvariantCulture, $"<div class=\"muted\">{T(x.StartsAt)} – {T(x.EndsAt)} · {E(string.Join(", ", x.Components.Select(c => names.GetValueOrDefault(c, c))))}</div>")
                    .Append(CultureInfo.InvariantCulture, $"<p>{E(x.Description)}</p></div>\n");
            }
        }

        html.Append("<h2>Components</h2>\n");
        foreach (var c in m.Components)
        {
            var days = m.Uptime[c.Id];
            var observed = days.Where(d => d.Uptime is not null).ToList();
            var overall = observed.Count == 0 ? "no data yet" : $"{observed.Average(d => d.Uptime!.Value) * 100:F2} % uptime";
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"card\" data-component=\"{E(c.Id)}\"><div class=\"comp\"><strong>{E(c.Name)}</strong><span class=\"state {StatusComponents.StatusName(c.State)}\" {ControlPlaneOutageView.StateAttribute}=\"{E(c.Id)}\">{StatusComponents.Label(c.State)}</span></div>")
                .Append("<div class=\"bars\" role=\"img\" aria-label=\"").Append(E($"{c.Name}: {overall} over {StatusQueries.UptimeDays} days")).Append("\">");
            foreach (var d in days)
            {
                var cls = d.Uptime switch { null => "", >= 0.999 when d.DegradedShare < 0.01 => "u-ok", >= 0.99 => "u-minor", _ => "u-major" };
                var title = d.Uptime is { } u ? $"{d.Day:yyyy-MM-dd}: {u * 100:F2} %" : $"{d.Day:yyyy-MM-dd}: no data";
                html.Append(CultureInfo.InvariantCulture, $"<span class=\"{cls}\" title=\"{title}\"></span>");
            }

            html.Append(CultureInfo.InvariantCulture, $"</div><div class=\"axis\"><span>{StatusQueries.UptimeDays} days ago</span><span>{overall}</span><span>Today</span></div></div>\n");
        }

        var past = m.Incidents.Where(i => i.State == IncidentState.Resolved).ToList();
        html.Append("<h2>Past incidents (14 days)</h2>\n");
        if (past.Count == 0)
        {
            html.Append("<p class=\"muted\">No incidents reported.</p>\n");
        }

        foreach (var i in past)
        {
            Incident(html, i, names);
        }

        var subscribe = m.PortalUrl.TrimEnd('/') + "/status/subscribe";
        var choices = string.Concat(m.Components.Select(c => $"<label><input type=\"checkbox\" name=\"components\" value=\"{E(c.Id)}\"> {E(c.Name)}</label> "));
        html.Append(CultureInfo.InvariantCulture, $$"""
            <h2>Subscribe</h2>
            <div class="card">
            <p>Feeds: <a href="history.rss">RSS</a> · <a href="history.atom">Atom</a> · <a href="summary.json">summary.json</a></p>
            <form method="post" action="{{E(subscribe)}}"><label>E-mail updates: <input type="email" name="email" required placeholder="you@example.com"></label>
            <button type="submit">Subscribe</button>
            <fieldset class="choose"><legend>Only about (none ticked: every component)</legend>{{choices}}</fieldset>
            <p class="muted">We send a confirmation link first; every mail has a one-click unsubscribe link.</p></form>
            </div>
            <footer>Served from the {{Name}} edge network, independently of the control plane. Times in UTC.</footer>
            </main>
            </body>
            </html>

            """);
        return html.ToString();

        void Incident(StringBuilder html, PublicIncident i, Dictionary<string, string> names)
        {
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"card incident\" id=\"incident-{i.Id}\" data-testid=\"incident\" data-incident=\"{i.Id}\"><strong>{E(i.Title)}</strong>")
                .Append(CultureInfo.InvariantCulture, $"<div class=\"muted\">{i.Impact} impact · started {T(i.StartedAt)}{(i.Components.Count > 0 ? " · " + E(string.Join(", ", i.Components.Select(c => names.GetValueOrDefault(c, c)))) : "")}</div>");
            foreach (var u in i.Updates)
            {
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"update\"><strong>{u.State}</strong> – {E(u.Message)} <span class=\"muted\">{T(u.At)}</span></div>");
            }

            html.Append("</div>\n");
        }
    }

    private static byte[] Feed(StatusModel m, bool atom)
    {
        var site = new Uri(m.SiteUrl);
        var feed = new SyndicationFeed($"{Name} status", $"Incidents and maintenance of the {Name} network", site, "urn:speedera:status", new DateTimeOffset(LastChange(m), TimeSpan.Zero))
        {
            Language = "en",
        };
        feed.Authors.Add(new SyndicationPerson { Name = $"{Name} NOC" });
        var items = new List<SyndicationItem>();
        foreach (var i in m.Incidents)
        {
            foreach (var u in i.Updates)
            {
                var item = new SyndicationItem($"{i.Title} – {u.State}", u.Message, new Uri(site, "#incident-" + i.Id), $"urn:speedera:status:incident:{i.Id}:update:{u.Id}", new DateTimeOffset(u.At, TimeSpan.Zero))
                {
                    PublishDate = new DateTimeOffset(u.At, TimeSpan.Zero),
                };
                items.Add(item);
            }
        }

        foreach (var x in m.Maintenances)
        {
            var text = $"{x.Status(m.Now).Replace('_', ' ')}: {x.StartsAt:yyyy-MM-dd HH:mm} – {x.EndsAt:yyyy-MM-dd HH:mm} UTC. {x.Description}";
            items.Add(new SyndicationItem($"Maintenance: {x.Title}", text, new Uri(site, "#maintenance-" + x.Id), $"urn:speedera:status:maintenance:{x.Id}", new DateTimeOffset(x.UpdatedAt, TimeSpan.Zero))
            {
                PublishDate = new DateTimeOffset(x.CreatedAt, TimeSpan.Zero),
            });
        }

        feed.Items = [.. items.OrderByDescending(i => i.LastUpdatedTime).Take(100)];
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            if (atom)
            {
                new Atom10FeedFormatter(feed).WriteTo(writer);
            }
            else
            {
                new Rss20FeedFormatter(feed) { SerializeExtensionsAsAtom = false }.WriteTo(writer);
            }
        }

        return stream.ToArray();
    }

    private static byte[] Summary(StatusModel m)
    {
        static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var indicator = Indicator(m);
        var summary = new
        {
            page = new { id = "speedera", name = Name, url = m.SiteUrl, time_zone = "Etc/UTC", updated_at = Iso(LastChange(m)) },
            status = new { indicator, description = IndicatorText(indicator) },
            components = m.Components.Select((c, n) => new
            {
                id = c.Id,
                name = c.Name,
                status = StatusComponents.StatusName(c.State),
                position = n + 1,
                description = c.Detail,
                uptime_90d = m.Uptime[c.Id].Where(d => d.Uptime is not null).Select(d => d.Uptime!.Value).DefaultIfEmpty(double.NaN).Average() is var a && double.IsNaN(a) ? (double?)null : Math.Round(a, 4),
            }),
            incidents = m.Incidents.Where(i => i.State != IncidentState.Resolved).Select(i => Incident(i)),
            scheduled_maintenances = m.Maintenances.Where(x => x.Status(m.Now) is "scheduled" or "in_progress").Select(x => new
            {
                id = x.Id,
                name = x.Title,
                status = x.Status(m.Now),
                scheduled_for = Iso(x.StartsAt),
                scheduled_until = Iso(x.EndsAt),
                created_at = Iso(x.CreatedAt),
                updated_at = Iso(x.UpdatedAt),
                components = x.Components,
                description = x.Description,
            }),
        };
        return JsonSerializer.SerializeToUtf8Bytes(summary, Indented);

        static object Incident(PublicIncident i) => new
        {
            id = i.Id,
            name = i.Title,
            status = i.State.ToString().ToLowerInvariant(),
            impact = i.Impact.ToString().ToLowerInvariant(),
            created_at = Iso(i.StartedAt),
            updated_at = Iso(i.UpdatedAt),
            started_at = Iso(i.StartedAt),
            resolved_at = i.ResolvedAt is { } r ? Iso(r) : null,
            components = i.Components,
            incident_updates = i.Updates.Select(u => new { id = u.Id, status = u.State.ToString().ToLowerInvariant(), body = u.Message, created_at = Iso(u.At), display_at = Iso(u.At) }),
        };
    }
}
