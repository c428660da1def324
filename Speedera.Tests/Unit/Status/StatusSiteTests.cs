using System.Text;
using Speedera.Core.Configuration;
using Speedera.Core.Status;
using Speedera.Edge.ControlPlane;
using Speedera.Web.Features.Incidents;
using Speedera.Web.Features.Status;

namespace Speedera.Tests.Unit.Status;

public sealed class StatusSiteTests
{
    private static StatusSiteDocument Site(long version, string page = "<h1>ok</h1>") =>
        new(version, DateTimeOffset.Parse("2026-11-29T12:00:00Z"), [new StatusSiteFile("/", "text/html", Encoding.UTF8.GetBytes(page))]);

    [Fact]
    public void Signed_site_verifies_with_the_control_plane_key_and_not_with_another()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        using var other = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedStatusSite.Sign(Site(7), key);
        Assert.True(envelope.TryVerify(key, out var site, out var error), error);
        Assert.Equal(7, site!.Version);
        Assert.False(envelope.TryVerify(other, out _, out error));
        Assert.StartsWith("UnknownKey", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Edge_holder_refuses_a_tampered_site_and_keeps_the_last_good_one()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var dir = Path.Combine(Path.GetTempPath(), "speedera-status-" + Guid.NewGuid().ToString("N"));
        try
        {
            var holder = new StatusSiteHolder(key, dir);
            Assert.True(holder.TryApply(SignedStatusSite.Sign(Site(1), key).ToJsonBytes(), persist: true, out var error), error);

            var tampered = SignedStatusSite.Sign(Site(2, "<h1>all good, honest</h1>"), key);
            tampered.Document[^3] ^= 1;
            Assert.False(holder.TryApply(tampered.ToJsonBytes(), persist: true, out error));
            Assert.StartsWith("HashMismatch", error, StringComparison.Ordinal);
            Assert.Equal(1, holder.Current!.Version);

            // A restarted node serves the copy it kept on disk.
            var restarted = new StatusSiteHolder(key, dir);
            Assert.Equal("<h1>ok</h1>", Encoding.UTF8.GetString(StatusSiteHolder.Find(restarted.Current, "/")!.Body));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Older_versions_do_not_replace_newer_ones()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var holder = new StatusSiteHolder(key, Path.Combine(Path.GetTempPath(), "speedera-status-" + Guid.NewGuid().ToString("N")));
        Assert.True(holder.TryApply(SignedStatusSite.Sign(Site(5, "new"), key).ToJsonBytes(), persist: false, out _));
        Assert.True(holder.TryApply(SignedStatusSite.Sign(Site(4, "old"), key).ToJsonBytes(), persist: false, out _));
        Assert.Equal("new", Encoding.UTF8.GetString(StatusSiteHolder.Find(holder.Current, "/index.html")!.Body));
    }

    [Fact]
    public void Rendering_the_same_model_twice_gives_the_same_bytes_and_feeds_carry_one_entry_per_update()
    {
        var now = new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);
        var incident = new PublicIncident(Guid.NewGuid(), "DNS answers slowly", IncidentState.Resolved, IncidentImpact.Minor, ["dns"], now.AddHours(-1), now, now,
            [new PublicUpdate(Guid.NewGuid(), now, IncidentState.Resolved, "Fixed."), new PublicUpdate(Guid.NewGuid(), now.AddHours(-1), IncidentState.Investigating, "Looking.")]);
        var model = new StatusModel(now, [new ComponentStatus("dns", "DNS", ComponentState.Operational, "2 of 2 up")],
            new Dictionary<string, IReadOnlyList<UptimeDay>> { ["dns"] = [new UptimeDay(now.Date, 0.999, 0)] }, [incident], [], "http://127.0.0.1:5080/", "http://status.speedera.net/");
        var first = StatusSiteBuilder.Build(model);
        var second = StatusSiteBuilder.Build(model);
        Assert.Equal(first.Select(f => Convert.ToHexString(f.Body)), second.Select(f => Convert.ToHexString(f.Body)));
        var atom = Encoding.UTF8.GetString(first.Single(f => f.Path == StatusSite.AtomPath).Body);
        Assert.Equal(2, atom.Split("<entry>").Length - 1);
        Assert.Contains($"urn:speedera:status:incident:{incident.Id}:update:{incident.Updates[0].Id}", atom, StringComparison.Ordinal);
    }

    [Fact]
    public void Edge_marks_portal_and_api_down_only_after_the_control_plane_stayed_silent_and_restores_the_signed_site()
    {
        var now = new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);
        var components = new List<ComponentStatus>
        {
            new("dns", "DNS", ComponentState.Operational, "2 of 2 up"),
            new("portal", "Customer portal", ComponentState.Operational, "Answering"),
            new("api", "REST API", ComponentState.Operational, "Answering"),
        };
        var model = new StatusModel(now, components,
            components.ToDictionary(c => c.Id, c => (IReadOnlyList<UptimeDay>)[new UptimeDay(now.Date, 1, 0)]), [], [], "http://127.0.0.1:5080/", "http://status.speedera.net/");
        using var key = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedStatusSite.Sign(new StatusSiteDocument(3, now, StatusSiteBuilder.Build(model)), key);
        var holder = new StatusSiteHolder(key, Path.Combine(Path.GetTempPath(), "speedera-status-" + Guid.NewGuid().ToString("N")));
        Assert.True(holder.TryApply(envelope.ToJsonBytes(), persist: false, out var error), error);
        string Page() => Encoding.UTF8.GetString(StatusSiteHolder.Find(holder.Current, "/")!.Body);
        string Summary() => Encoding.UTF8.GetString(StatusSiteHolder.Find(holder.Current, StatusSite.SummaryPath)!.Body);
        var signedPage = Page();
        Assert.Contains("All systems operational", signedPage, StringComparison.Ordinal);

        var since = new DateTimeOffset(now.AddMinutes(1));
        holder.ReportControlPlane(since, since + ControlPlaneOutageView.ShowAfter - TimeSpan.FromSeconds(1), "edge-sjc-1");
        Assert.Equal(signedPage, Page());

        holder.ReportControlPlane(since, since + ControlPlaneOutageView.ShowAfter, "edge-sjc-1");
        var page = Page();
        Assert.Contains("<div class=\"banner major\" data-testid=\"status-indicator\">Customer portal and REST API unreachable</div>", page, StringComparison.Ordinal);
        Assert.Contains("Measured by edge node edge-sjc-1 · since 2026-11-29 12:01:00 UTC", page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"state major_outage\" data-state-of=\"portal\">Major outage</span>", page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"state major_outage\" data-state-of=\"api\">Major outage</span>", page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"state operational\" data-state-of=\"dns\">Operational</span>", page, StringComparison.Ordinal);
        using (var summary = System.Text.Json.JsonDocument.Parse(Summary()))
        {
            var states = summary.RootElement.GetProperty("components").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("status").GetString());
            Assert.Equal(new Dictionary<string, string?> { ["dns"] = "operational", ["portal"] = "major_outage", ["api"] = "major_outage" }, states);
            Assert.Equal("2026-11-29T12:01:00Z", summary.RootElement.GetProperty("control_plane").GetProperty("since").GetString());
        }

        // The same view is kept while the silence lasts (one ETag for caches), and the signed site returns with the control plane.
        var entry = StatusSiteHolder.Find(holder.Current, "/");
        holder.ReportControlPlane(since, since + TimeSpan.FromMinutes(5), "edge-sjc-1");
        Assert.Same(entry, StatusSiteHolder.Find(holder.Current, "/"));
        holder.ReportControlPlane(null, since + TimeSpan.FromMinutes(6), "edge-sjc-1");
        Assert.Equal(signedPage, Page());
    }
}
