using Microsoft.EntityFrameworkCore;
using Speedera.Web.Features.Gtm.Policy;

namespace Speedera.Web.Data;

public partial class SpeederaDbContext
{
    public DbSet<GtmPolicyEntity> GtmPolicies => Set<GtmPolicyEntity>();

    public DbSet<GtmPolicyChangeEntity> GtmPolicyChanges => Set<GtmPolicyChangeEntity>();

    public DbSet<DnsNodeViewEntity> DnsNodeViews => Set<DnsNodeViewEntity>();
}
