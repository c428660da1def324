using System.Linq.Expressions;
using System.Reflection;

namespace Speedera.Web.Data;

/// <summary>One page of a list as a grid asks for it: page number from 0, size, sort key and a free-text search.</summary>
public sealed record PageQuery(int Page = 0, int PageSize = 25, string? SortBy = null, bool Descending = false, string? Search = null)
{
    public const int MaxPageSize = 200;

    public int Take => Math.Clamp(PageSize, 1, MaxPageSize);

    public int Skip => Math.Max(0, Page) * Take;

    /// <summary>The search text trimmed, or null when there is nothing to search for.</summary>
    public string? SearchText => string.IsNullOrWhiteSpace(Search) ? null : Search.Trim();
}

public sealed record PageResult<T>(IReadOnlyList<T> Items, int Total);

public static class QueryPaging
{
    private static readonly MethodInfo OrderByMethod = QueryableMethod(nameof(Queryable.OrderBy));
    private static readonly MethodInfo OrderByDescendingMethod = QueryableMethod(nameof(Queryable.OrderByDescending));

    /// <summary>
    /// Sorts by the key the grid named, looked up in <paramref name="keys"/> (so a client can only sort by
    /// what the page offers), else by <paramref name="fallback"/>.
    /// </summary>
    public static IQueryable<T> SortBy<T>(this IQueryable<T> source, PageQuery query, IReadOnlyDictionary<string, LambdaExpression> keys, LambdaExpression fallback)
    {
        var key = query.SortBy is { } name && keys.TryGetValue(name, out var chosen) ? chosen : fallback;
        var method = (query.Descending && key != fallback ? OrderByDescendingMethod : OrderByMethod).MakeGenericMethod(typeof(T), key.ReturnType);
        return (IQueryable<T>)method.Invoke(null, [source, key])!;
    }

    public static Expression<Func<T, TKey>> Key<T, TKey>(Expression<Func<T, TKey>> key) => key;

    private static MethodInfo QueryableMethod(string name) =>
        typeof(Queryable).GetMethods().Single(m => m.Name == name && m.GetParameters().Length == 2);
}
