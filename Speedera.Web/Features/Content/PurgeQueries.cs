using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Content;

/// <summary>
/// One organization's purge orders with each cache node's status, as pages of a grid. A DbContext per
/// call; the organization always comes from the signed-in user's claims, never from the page.
/// </summary>
public sealed class PurgeQueries(IServiceScopeFactory scopes)
{
    private static readonly Dictionary<string, LambdaExpression> Sort = new(StringComparer.Ordinal)
    {
        [nameof(PurgeOrderEntity.CreatedAt)] = QueryPaging.Key((PurgeOrderEntity p) => p.CreatedAt),
        [nameof(PurgeOrderEntity.Hostname)] = QueryPaging.Key((PurgeOrderEntity p) => p.Hostname),
        [nameof(PurgeOrderEntity.Url)] = QueryPaging.Key((PurgeOrderEntity p) => p.Url),
        [nameof(PurgeOrderEntity.CreatedBy)] = QueryPaging.Key((PurgeOrderEntity p) => p.CreatedBy),
    };

    // Newest first unless the grid asks otherwise (ticks order like the time, and negate in every database).
    private static readonly LambdaExpression NewestFirst = QueryPaging.Key((PurgeOrderEntity p) => p.CreatedAt);

    public async Task<PageResult<PurgeOrderEntity>> HistoryAsync(Guid organizationId, Guid? hostnameId, PageQuery query, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var orders = db.PurgeOrders.AsNoTracking().Where(p => p.OrganizationId == organizationId && (hostnameId == null || p.HostnameId == hostnameId));
        if (query.SearchText is { } search)
        {
            orders = orders.Where(p => p.Url.Contains(search) || p.CreatedBy.Contains(search));
        }

        var total = await orders.CountAsync(cancellationToken);
        var sorted = query.SortBy is { } key && Sort.ContainsKey(key)
            ? orders.SortBy(query, Sort, NewestFirst)
            : orders.OrderByDescending(p => p.CreatedAt);
        var rows = await sorted.Skip(query.Skip).Take(query.Take).Include(p => p.Nodes).ToListAsync(cancellationToken);
        return new PageResult<PurgeOrderEntity>(rows, total);
    }
}
