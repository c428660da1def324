using Microsoft.EntityFrameworkCore;
using Speedera.Web.Features.Api;

namespace Speedera.Web.Data;

public partial class SpeederaDbContext
{
    public DbSet<ApiKeyEntity> ApiKeys => Set<ApiKeyEntity>();
}
