using Microsoft.EntityFrameworkCore;
using Speedera.Web.Features.Reports;

namespace Speedera.Web.Data;

public partial class SpeederaDbContext
{
    public DbSet<ServiceStateEntity> ServiceStates => Set<ServiceStateEntity>();

    public DbSet<DecisionCountEntity> DecisionCounts => Set<DecisionCountEntity>();
}
