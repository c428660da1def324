using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Admin;

/// <summary>Every account as pages of the admin's user grid. A DbContext per call, so a long-lived circuit never holds one.</summary>
public sealed class UserQueries(IServiceScopeFactory scopes)
{
    private static readonly Dictionary<string, LambdaExpression> Sort = new(StringComparer.Ordinal)
    {
        [nameof(UserSummary.Email)] = QueryPaging.Key((ApplicationUser u) => u.Email),
        [nameof(UserSummary.Organization)] = QueryPaging.Key((ApplicationUser u) => u.Organization!.Name),
        [nameof(UserSummary.Confirmed)] = QueryPaging.Key((ApplicationUser u) => u.EmailConfirmed),
        [nameof(UserSummary.LockoutEnd)] = QueryPaging.Key((ApplicationUser u) => u.LockoutEnd),
    };

    public async Task<PageResult<UserSummary>> ListAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var accounts = db.Users.AsNoTracking();
        if (query.SearchText is { } search)
        {
            // E-mails match without regard to case through Identity's normalized column.
            var normalized = search.ToUpperInvariant();
            accounts = accounts.Where(u => (u.NormalizedEmail != null && u.NormalizedEmail.Contains(normalized)) || (u.Organization != null && u.Organization.Name.Contains(search)));
        }

        var total = await accounts.CountAsync(cancellationToken);
        var page = await accounts.SortBy(query, Sort, Sort[nameof(UserSummary.Email)]).Skip(query.Skip).Take(query.Take)
            .Select(u => new { u.Id, u.Email, u.UserName, Organization = u.Organization == null ? null : u.Organization.Name, u.EmailConfirmed, u.LockoutEnd })
            .ToListAsync(cancellationToken);
        var ids = page.Select(u => u.Id).ToList();
        var roles = (await db.UserRoles.AsNoTracking().Where(ur => ids.Contains(ur.UserId))
                .Join(db.Roles.AsNoTracking(), ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, r.Name })
                .ToListAsync(cancellationToken))
            .ToLookup(r => r.UserId, r => r.Name!);
        var rows = page.Select(u => new UserSummary(u.Id, u.Email ?? u.UserName ?? u.Id, u.Organization, roles[u.Id].Order(StringComparer.Ordinal).ToList(), u.EmailConfirmed, u.LockoutEnd)).ToList();
        return new PageResult<UserSummary>(rows, total);
    }
}
