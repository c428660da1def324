using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Speedera.Core.Configuration;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Domains;

/// <summary>
/// One organization's hostnames as pages of a grid (GTM and Content lists). A DbContext per call; the
/// organization always comes from the signed-in user's claims, never from the page.
/// </summary>
public sealed class HostnameListQueries(IServiceScopeFactory scopes)
{
    private static readonly Dictionary<string, LambdaExpression> Sort = new(StringComparer.Ordinal)
    {
        [nameof(HostnameEntity.Name)] = QueryPaging.Key((HostnameEntity h) => h.Name),
        [nameof(HostnameEntity.TtlSeconds)] = QueryPaging.Key((HostnameEntity h) => h.TtlSeconds),
        [nameof(HostnameEntity.Verification)] = QueryPaging.Key((HostnameEntity h) => h.Verification),
        [nameof(HostnameEntity.Origin)] = QueryPaging.Key((HostnameEntity h) => h.Origin),
        [nameof(HostnameEntity.TestType)] = QueryPaging.Key((HostnameEntity h) => h.TestType),
    };

    public async Task<PageResult<HostnameEntity>> ListAsync(Guid organizationId, HostnameServices service, PageQuery query, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        // Services is stored as text, so the flag test is a list of the stored values that include it.
        var including = Enum.GetValues<HostnameServices>().Where(v => v != HostnameServices.None).Select(v => v | service).Distinct().ToList();
        var hostnames = db.Hostnames.AsNoTracking().Where(h => h.OrganizationId == organizationId && including.Contains(h.Services));
        if (query.SearchText is { } search)
        {
            hostnames = hostnames.Where(h => h.Name.Contains(search) || (h.Origin != null && h.Origin.Contains(search)));
        }

        var total = await hostnames.CountAsync(cancellationToken);
        var rows = await hostnames.SortBy(query, Sort, Sort[nameof(HostnameEntity.Name)])
            .Skip(query.Skip).Take(query.Take)
            .Include(h => h.Addresses)
            .ToListAsync(cancellationToken);
        return new PageResult<HostnameEntity>(rows, total);
    }
}
