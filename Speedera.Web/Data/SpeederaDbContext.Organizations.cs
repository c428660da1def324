using Microsoft.EntityFrameworkCore;
using Speedera.Web.Features.Organizations;

namespace Speedera.Web.Data;

public partial class SpeederaDbContext
{
    public DbSet<OrganizationInvitation> OrganizationInvitations => Set<OrganizationInvitation>();
}
