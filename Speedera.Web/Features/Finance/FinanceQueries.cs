using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Finance;

public sealed record CustomerRow(Guid Id, string Name, DateTime CreatedAt, int Users, int Hostnames);

/// <summary>Read models for the finance pages; a DbContext per call.</summary>
public sealed class FinanceQueries(IServiceScopeFactory scopes)
{
    private static readonly Dictionary<string, LambdaExpression> Sort = new(StringComparer.Ordinal)
    {
        [nameof(CustomerRow.Name)] = QueryPaging.Key((Organization o) => o.Name),
        [nameof(CustomerRow.CreatedAt)] = QueryPaging.Key((Organization o) => o.CreatedAt),
        [nameof(CustomerRow.Users)] = QueryPaging.Key((Organization o) => o.Users.Count),
    };

    public async Task<PageResult<CustomerRow>> CustomersAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var organizations = db.Organizations.AsNoTracking();
        if (query.SearchText is { } search)
        {
            organizations = organizations.Where(o => o.Name.Contains(search));
        }

        var total = await organizations.CountAsync(cancellationToken);
        var rows = await organizations.SortBy(query, Sort, Sort[nameof(CustomerRow.Name)])
            .Skip(query.Skip).Take(query.Take)
            .Select(o => new CustomerRow(o.Id, o.Name, o.CreatedAt, o.Users.Count, db.Hostnames.Count(h => h.OrganizationId == o.Id)))
            .ToListAsync(cancellationToken);
        return new PageResult<CustomerRow>(rows, total);
    }
}
