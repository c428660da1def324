using Microsoft.EntityFrameworkCore;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Edge;

namespace Speedera.Web.Data;

/// <summary>Configuration versions and edge nodes (configured in their feature folders).</summary>
public partial class SpeederaDbContext
{
    public DbSet<ConfigVersionEntity> ConfigVersions => Set<ConfigVersionEntity>();

    public DbSet<EdgeNodeEntity> EdgeNodes => Set<EdgeNodeEntity>();

    public DbSet<EdgeNodeKeyEntity> EdgeNodeKeys => Set<EdgeNodeKeyEntity>();

    public DbSet<EdgeUploadEntity> EdgeUploads => Set<EdgeUploadEntity>();
}
