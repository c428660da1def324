using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Incidents;

public sealed record WebhookEndpointView(Guid Id, string Url, bool Enabled, DateTime CreatedAt, int Pending, int Failed);

/// <summary>NOC staff add and remove webhook endpoints; the signing secret is shown once and kept protected.</summary>
public sealed class WebhookService(SpeederaDbContext db, IDataProtectionProvider protection, TimeProvider time)
{
    public async Task<(Guid Id, string Secret)> AddAsync(string url, CancellationToken cancellationToken = default)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("The webhook URL must be an absolute http or https URL.");
        }

        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var endpoint = new WebhookEndpointEntity
        {
            Id = Guid.NewGuid(), Url = uri.ToString(), ProtectedSecret = Notifier.Protector(protection).Protect(secret),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.WebhookEndpoints.Add(endpoint);
        await db.SaveChangesAsync(cancellationToken);
        return (endpoint.Id, secret);
    }

    public async Task<IReadOnlyList<WebhookEndpointView>> ListAsync(CancellationToken cancellationToken = default)
    {
        var endpoints = await db.WebhookEndpoints.AsNoTracking().OrderBy(e => e.CreatedAt).ToListAsync(cancellationToken);
        var stats = await db.WebhookDeliveries.AsNoTracking().Where(d => d.DeliveredAt == null)
            .GroupBy(d => d.EndpointId).Select(g => new { g.Key, Pending = g.Count(), Failed = g.Count(d => d.Attempts > 0) }).ToListAsync(cancellationToken);
        return [.. endpoints.Select(e => new WebhookEndpointView(e.Id, e.Url, e.Enabled, e.CreatedAt,
            stats.FirstOrDefault(s => s.Key == e.Id)?.Pending ?? 0, stats.FirstOrDefault(s => s.Key == e.Id)?.Failed ?? 0))];
    }

    public async Task RemoveAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await db.WebhookDeliveries.Where(d => d.EndpointId == id && d.DeliveredAt == null).ExecuteDeleteAsync(cancellationToken);
        await db.WebhookEndpoints.Where(e => e.Id == id).ExecuteDeleteAsync(cancellationToken);
    }
}
