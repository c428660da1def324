using Microsoft.EntityFrameworkCore;
using Speedera.Web.Features.PageCheck;

namespace Speedera.Web.Data;

public partial class SpeederaDbContext
{
    public DbSet<PageCheckEntity> PageChecks => Set<PageCheckEntity>();

    public DbSet<PageCheckLocationEntity> PageCheckLocations => Set<PageCheckLocationEntity>();
}
