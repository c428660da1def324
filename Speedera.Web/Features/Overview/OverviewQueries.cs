using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Overview;

public sealed record CustomerSummary(string OrganizationName, int Hostnames, int Active, int Pending);

public sealed record StaffSummary(int Pops, int Servers, int Organizations, int Hostnames);

/// <summary>The overview's figures; a DbContext per call.</summary>
public sealed class OverviewQueries(IServiceScopeFactory scopes)
{
    public async Task<CustomerSummary?> ForCustomerAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var name = await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId).Select(o => o.Name).SingleOrDefaultAsync(cancellationToken);
        if (name is null)
        {
            return null;
        }

        var hostnames = db.Hostnames.Where(h => h.OrganizationId == organizationId);
        return new CustomerSummary(
            name,
            await hostnames.CountAsync(cancellationToken),
            await hostnames.CountAsync(h => h.Verification == VerificationState.Active, cancellationToken),
            await hostnames.CountAsync(h => h.Verification == VerificationState.Pending, cancellationToken));
    }

    public async Task<StaffSummary> ForStaffAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        return new StaffSummary(
            await db.Pops.CountAsync(cancellationToken),
            await db.Servers.CountAsync(cancellationToken),
            await db.Organizations.CountAsync(cancellationToken),
            await db.Hostnames.CountAsync(cancellationToken));
    }
}
