using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;
using Speedera.Web.Features.Email;

namespace Speedera.Web.Features.Incidents;

/// <summary>
/// Queues incident notifications in the same unit of work as the change: mail to NOC staff and status subscribers through
/// the outbox, and one signed webhook delivery per enabled endpoint (sent by <see cref="WebhookDispatcher"/>).
/// </summary>
public sealed class Notifier(SpeederaDbContext db, IOptions<AlertOptions> options, TimeProvider time, OutboxSignal outboxSignal, WebhookSignal webhookSignal)
{
    public const string SignatureHeader = "X-Speedera-Signature";

    public const string EventHeader = "X-Speedera-Event";

    private bool _queuedMail;
    private bool _queuedHooks;

    /// <summary>Queues mail and webhooks for one incident event; the caller saves the context, then calls <see cref="Wake"/>.</summary>
    public async Task QueueAsync(string eventType, IncidentEntity incident, string message, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var subject = $"[{incident.Impact}] {incident.State}: {incident.Title}";
        var text = $"{incident.Title}\nState: {incident.State}\nImpact: {incident.Impact}\nComponents: {(incident.Components.Length == 0 ? "none" : incident.Components)}\n\n{message}\n\nIncident {incident.Id}\nStatus page: {options.Value.StatusSiteUrl}\n";
        var html = $"<h2>{WebUtility.HtmlEncode(incident.Title)}</h2><p>State: <strong>{incident.State}</strong> · Impact: {incident.Impact}</p><p>{WebUtility.HtmlEncode(message)}</p><p><a href=\"{WebUtility.HtmlEncode(options.Value.StatusSiteUrl)}\">Status page</a></p>";
        foreach (var to in await StaffAddressesAsync(cancellationToken))
        {
            AddMail(to, subject, text, html, now);
        }

        var payload = JsonSerializer.Serialize(new
        {
            type = eventType,
            at = now,
            incident = new
            {
                id = incident.Id,
                title = incident.Title,
                state = incident.State.ToString().ToLowerInvariant(),
                impact = incident.Impact.ToString().ToLowerInvariant(),
                components = incident.Components.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                startedAt = incident.StartedAt,
                resolvedAt = incident.ResolvedAt,
            },
            message,
        });
        foreach (var endpoint in await db.WebhookEndpoints.Where(e => e.Enabled).Select(e => e.Id).ToListAsync(cancellationToken))
        {
            db.WebhookDeliveries.Add(new WebhookDeliveryEntity
            {
                Id = Guid.NewGuid(),
                EndpointId = endpoint,
                EventType = eventType,
                Payload = payload,
                CreatedAt = now,
                NextAttemptAt = now,
            });
            _queuedHooks = true;
        }
    }

    /// <summary>Mail to confirmed status subscribers of the incident's components (public updates only).</summary>
    public async Task QueueSubscribersAsync(IncidentEntity incident, string message, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var components = incident.Components.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var subscribers = await db.StatusSubscribers.AsNoTracking().Where(s => s.ConfirmedAt != null).ToListAsync(cancellationToken);
        foreach (var s in subscribers)
        {
            var wanted = s.Components.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (wanted.Length > 0 && !wanted.Intersect(components).Any())
            {
                continue;
            }

            var unsubscribe = Status.StatusLinks.Unsubscribe(options.Value, s.UnsubscribeToken);
            AddMail(s.Email, $"[Speedera status] {incident.State}: {incident.Title}",
                $"{incident.Title}\n{incident.State}: {message}\n\n{options.Value.StatusSiteUrl}\n\nUnsubscribe with one click: {unsubscribe}\n",
                $"<p><strong>{WebUtility.HtmlEncode(incident.Title)}</strong></p><p>{incident.State}: {WebUtility.HtmlEncode(message)}</p><p><a href=\"{WebUtility.HtmlEncode(options.Value.StatusSiteUrl)}\">Status page</a> · <a href=\"{WebUtility.HtmlEncode(unsubscribe)}\">Unsubscribe</a></p>",
                now);
        }
    }

    public void Wake()
    {
        if (_queuedMail)
        {
            outboxSignal.Notify();
        }

        if (_queuedHooks)
        {
            webhookSignal.Notify();
        }
    }

    /// <summary><c>t=unix-seconds,v1=hex(HMAC-SHA256(secret, "t.body"))</c>: the timestamp is signed so a replay can be refused.</summary>
    public static string Sign(string secret, long unixSeconds, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{unixSeconds}.{body}"));
        return $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}";
    }

    internal static IDataProtector Protector(IDataProtectionProvider provider) => provider.CreateProtector("Speedera.Incidents.WebhookSecret");

    private void AddMail(string to, string subject, string text, string html, DateTime now)
    {
        db.EmailMessages.Add(new EmailMessage
        {
            Id = Guid.NewGuid(),
            To = to,
            Subject = subject,
            TextBody = text,
            HtmlBody = html,
            CreatedAt = now,
            NextAttemptAt = now,
        });
        _queuedMail = true;
    }

    private async Task<List<string>> StaffAddressesAsync(CancellationToken cancellationToken)
    {
        var roleIds = await db.Roles.Where(r => r.Name == Roles.Noc || r.Name == Roles.Admin).Select(r => r.Id).ToListAsync(cancellationToken);
        var userIds = await db.UserRoles.Where(ur => roleIds.Contains(ur.RoleId)).Select(ur => ur.UserId).Distinct().ToListAsync(cancellationToken);
        var emails = await db.Users.Where(u => userIds.Contains(u.Id) && u.EmailConfirmed && u.Email != null).Select(u => u.Email!).ToListAsync(cancellationToken);
        return [.. emails.Concat(options.Value.NotifyEmails).Distinct(StringComparer.OrdinalIgnoreCase)];
    }
}

/// <summary>Wakes the webhook dispatcher when a delivery is queued.</summary>
public sealed class WebhookSignal
{
    private readonly OutboxSignal _inner = new();

    public void Notify() => _inner.Notify();

    public Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) => _inner.WaitAsync(timeout, time, cancellationToken);
}
