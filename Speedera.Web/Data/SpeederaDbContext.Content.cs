using Microsoft.EntityFrameworkCore;
using Speedera.Web.Features.Content;

namespace Speedera.Web.Data;

public partial class SpeederaDbContext
{
    public DbSet<PurgeOrderEntity> PurgeOrders => Set<PurgeOrderEntity>();

    public DbSet<PurgeNodeStatusEntity> PurgeNodeStatuses => Set<PurgeNodeStatusEntity>();

    public DbSet<UsageRollupEntity> UsageRollups => Set<UsageRollupEntity>();
}
