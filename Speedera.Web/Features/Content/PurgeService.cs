using Microsoft.EntityFrameworkCore;
using Speedera.Core.Cache;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Features.Domains;

namespace Speedera.Web.Features.Content;

/// <summary>Wakes cache nodes waiting for purge orders the moment one is placed.</summary>
public sealed class PurgeFeed
{
    private TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task NextAsync() => Volatile.Read(ref signal).Task;

    public void Notify() => Interlocked.Exchange(ref signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

public sealed record PurgeRequest(string Url, bool Soft);

/// <summary>Places purge orders for a customer's CDN hostnames and hands them to every cache node.</summary>
public sealed class PurgeService(SpeederaDbContext db, PurgeFeed feed, TimeProvider time)
{
    public const int HistoryLength = 50;

    /// <summary>
    /// Parses what the customer typed: <c>http://www.customer.com/images/picture.jpg</c> (one URL),
    /// <c>http://www.customer.com/images/</c> (a directory) or <c>http://www.customer.com/</c> (the site).
    /// </summary>
    public async Task<DomainResult> PurgeAsync(Guid organizationId, Guid hostnameId, PurgeRequest request, string author, CancellationToken cancellationToken = default)
    {
        var hostname = await db.Hostnames.AsNoTracking().SingleOrDefaultAsync(h => h.Id == hostnameId && h.OrganizationId == organizationId, cancellationToken);
        if (hostname is null)
        {
            return DomainResult.Missing;
        }

        if (!hostname.Services.HasFlag(HostnameServices.Cdn))
        {
            return DomainResult.Invalid(nameof(PurgeRequest.Url), $"{hostname.Name} does not use the CDN: there is nothing cached to purge.");
        }

        var raw = (request.Url ?? "").Trim();
        if (raw.StartsWith('/'))
        {
            raw = $"http://{hostname.Name}{raw}";
        }
        else if (!raw.Contains("://", StringComparison.Ordinal))
        {
            raw = "http://" + raw;
        }

        if (raw.Length > 2048 || !Uri.TryCreate(raw, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return DomainResult.Invalid(nameof(PurgeRequest.Url), "Enter an http or https URL such as http://www.example.com/images/logo.png, a directory ending in /, or the site's root.");
        }

        var names = new[] { hostname.Name, hostname.Alias }.Where(n => n is not null).ToList();
        if (!names.Contains(url.IdnHost.ToLowerInvariant(), StringComparer.Ordinal))
        {
            return DomainResult.Invalid(nameof(PurgeRequest.Url), $"The URL must be on {hostname.Name}.");
        }

        var now = time.GetUtcNow();
        var order = PurgeOrder.FromUrl(Guid.NewGuid(), url, request.Soft, now);
        var entity = new PurgeOrderEntity
        {
            Id = order.Id,
            OrganizationId = organizationId,
            HostnameId = hostname.Id,
            Hostname = hostname.Name,
            Kind = order.Kind,
            Path = order.Path,
            Url = url.ToString(),
            Soft = request.Soft,
            CreatedAt = now.UtcDateTime,
            CreatedBy = author,
        };
        // Roles are stored as text, so the flag test runs here rather than in SQL.
        var cacheNodes = (await db.EdgeNodes.AsNoTracking().Select(n => new { n.Id, n.Roles }).ToListAsync(cancellationToken))
            .Where(n => n.Roles.HasFlag(NodeRoles.Cache)).Select(n => n.Id).ToList();
        entity.Nodes.AddRange(cacheNodes.Select(n => new PurgeNodeStatusEntity { NodeId = n, Status = PurgeStatus.Pending }));
        db.PurgeOrders.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        feed.Notify();
        return DomainResult.Ok(null, entity.Id);
    }

    public Task<List<PurgeOrderEntity>> HistoryAsync(Guid organizationId, Guid? hostnameId, CancellationToken cancellationToken = default) =>
        db.PurgeOrders.AsNoTracking().Include(p => p.Nodes)
            .Where(p => p.OrganizationId == organizationId && (hostnameId == null || p.HostnameId == hostnameId))
            .OrderByDescending(p => p.CreatedAt)
            .Take(HistoryLength)
            .ToListAsync(cancellationToken);

    public Task<PurgeOrderEntity?> FindAsync(Guid organizationId, Guid orderId, CancellationToken cancellationToken = default) =>
        db.PurgeOrders.AsNoTracking().Include(p => p.Nodes)
            .SingleOrDefaultAsync(p => p.Id == orderId && p.OrganizationId == organizationId, cancellationToken);

    /// <summary>Orders a cache node has not done yet, oldest first, as the node applies them.</summary>
    public async Task<PurgeOrder[]> PendingForNodeAsync(string nodeId, CancellationToken cancellationToken)
    {
        var orders = await db.PurgeNodeStatuses.AsNoTracking()
            .Where(s => s.NodeId == nodeId && s.Status == PurgeStatus.Pending)
            .Join(db.PurgeOrders.AsNoTracking(), s => s.OrderId, o => o.Id, (_, o) => o)
            .OrderBy(o => o.CreatedAt)
            .Take(500)
            .ToListAsync(cancellationToken);
        return [.. orders.Select(o => new PurgeOrder(o.Id, o.Hostname, o.Kind, o.Path, o.Soft, new DateTimeOffset(o.CreatedAt, TimeSpan.Zero)))];
    }

    public async Task RecordResultsAsync(string nodeId, IReadOnlyList<PurgeResult> results, CancellationToken cancellationToken)
    {
        var ids = results.Select(r => r.OrderId).ToList();
        var statuses = await db.PurgeNodeStatuses.Where(s => s.NodeId == nodeId && ids.Contains(s.OrderId)).ToListAsync(cancellationToken);
        foreach (var status in statuses)
        {
            var result = results.Last(r => r.OrderId == status.OrderId);
            status.Status = result.Status;
            status.ObjectsAffected = result.ObjectsAffected;
            status.CompletedAt = result.CompletedAt.UtcDateTime;
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
