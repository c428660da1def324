using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Configuration;

/// <summary>The configuration history as pages of a grid. A DbContext per call, so a long-lived circuit never holds one.</summary>
public sealed class ConfigurationQueries(IServiceScopeFactory scopes)
{
    private static readonly Dictionary<string, LambdaExpression> Sort = new(StringComparer.Ordinal)
    {
        [nameof(ConfigVersionSummary.Version)] = QueryPaging.Key((ConfigVersionEntity v) => v.Version),
        [nameof(ConfigVersionSummary.CreatedAt)] = QueryPaging.Key((ConfigVersionEntity v) => v.CreatedAt),
        [nameof(ConfigVersionSummary.Author)] = QueryPaging.Key((ConfigVersionEntity v) => v.Author),
    };

    // Newest first unless the grid asks otherwise.
    private static readonly LambdaExpression NewestFirst = QueryPaging.Key((ConfigVersionEntity v) => -v.Version);

    public async Task<PageResult<ConfigVersionSummary>> HistoryAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var versions = db.ConfigVersions.AsNoTracking();
        if (query.SearchText is { } search)
        {
            versions = versions.Where(v => v.Summary.Contains(search) || v.Author.Contains(search));
        }

        var total = await versions.CountAsync(cancellationToken);
        var rows = await versions.SortBy(query, Sort, NewestFirst).Skip(query.Skip).Take(query.Take)
            .Select(v => new ConfigVersionSummary(v.Version, v.CreatedAt, v.Author, v.Summary, v.Hash))
            .ToListAsync(cancellationToken);
        return new PageResult<ConfigVersionSummary>(rows, total);
    }
}
