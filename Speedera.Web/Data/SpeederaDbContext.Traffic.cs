using Microsoft.EntityFrameworkCore;
using Speedera.Web.Features.Reports;

namespace Speedera.Web.Data;

public partial class SpeederaDbContext
{
    public DbSet<UsageHourlyEntity> UsageHourly => Set<UsageHourlyEntity>();

    public DbSet<UsagePopMinuteEntity> UsagePopMinutes => Set<UsagePopMinuteEntity>();

    public DbSet<UsagePopHourlyEntity> UsagePopHourly => Set<UsagePopHourlyEntity>();

    public DbSet<DecisionHourlyEntity> DecisionHourly => Set<DecisionHourlyEntity>();

    public DbSet<ClientGroupCountEntity> ClientGroupCounts => Set<ClientGroupCountEntity>();

    public DbSet<JobLeaseEntity> JobLeases => Set<JobLeaseEntity>();
}
