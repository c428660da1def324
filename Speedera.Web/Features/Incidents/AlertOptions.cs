using System.ComponentModel.DataAnnotations;

namespace Speedera.Web.Features.Incidents;

/// <summary>Settings under <c>Speedera:Alerts</c>: thresholds of the alert rules and how notifications go out.</summary>
public sealed class AlertOptions
{
    public const string Section = "Speedera:Alerts";

    /// <summary>How often the rules are evaluated (on one control-plane instance at a time).</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A node whose last heartbeat is older than this is down.</summary>
    public TimeSpan HeartbeatMissingAfter { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A node still running an older configuration this long after a publish is behind.</summary>
    public TimeSpan ConfigBehindAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A probe node whose newest service-test result is older than this has stale data.</summary>
    public TimeSpan ProbeStaleAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Window over which DNS SERVFAIL+REFUSED and origin 5xx rates are taken.</summary>
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Share of DNS answers that are SERVFAIL or REFUSED above which the dns node alerts (0..1).</summary>
    [Range(0.0, 1.0)]
    public double DnsErrorRate { get; set; } = 0.05;

    /// <summary>Fewest queries in the window before the DNS error rate counts.</summary>
    public long DnsMinQueries { get; set; } = 20;

    /// <summary>Share of a hostname's responses that are 5xx above which its origin alerts (0..1).</summary>
    [Range(0.0, 1.0)]
    public double OriginErrorRate { get; set; } = 0.2;

    /// <summary>Fewest requests in the window before the origin error rate counts.</summary>
    public long OriginMinRequests { get; set; } = 5;

    /// <summary>Extra addresses alert mail goes to, besides NOC and Admin staff.</summary>
    public List<string> NotifyEmails { get; set; } = [];

    /// <summary>Most delivery attempts of one webhook notification.</summary>
    [Range(1, 30)]
    public int WebhookMaxAttempts { get; set; } = 8;

    /// <summary>First retry delay of a failed webhook; doubled per attempt up to <see cref="WebhookMaxBackoff"/>.</summary>
    public TimeSpan WebhookFirstBackoff { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan WebhookMaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Public base URL of the status site, for links in mails (the edge-served site).</summary>
    public string StatusSiteUrl { get; set; } = "http://status.speedera.net/";

    /// <summary>Public base URL of the portal, for the status page's subscribe form and the links in subscriber mail.</summary>
    public string PortalUrl { get; set; } = "http://127.0.0.1:5080/";
}
