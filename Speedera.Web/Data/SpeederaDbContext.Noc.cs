using Microsoft.EntityFrameworkCore;
using Speedera.Web.Features.Incidents;
using Speedera.Web.Features.Status;

namespace Speedera.Web.Data;

/// <summary>Incidents, alerts, notifications and the public status page (configured in their feature folders).</summary>
public partial class SpeederaDbContext
{
    public DbSet<IncidentEntity> Incidents => Set<IncidentEntity>();

    public DbSet<IncidentEventEntity> IncidentEvents => Set<IncidentEventEntity>();

    public DbSet<AlertStateEntity> AlertStates => Set<AlertStateEntity>();

    public DbSet<WebhookEndpointEntity> WebhookEndpoints => Set<WebhookEndpointEntity>();

    public DbSet<WebhookDeliveryEntity> WebhookDeliveries => Set<WebhookDeliveryEntity>();

    public DbSet<NodeCounterSampleEntity> NodeCounterSamples => Set<NodeCounterSampleEntity>();

    public DbSet<MaintenanceEntity> Maintenances => Set<MaintenanceEntity>();

    public DbSet<ComponentUptimeEntity> ComponentUptimes => Set<ComponentUptimeEntity>();

    public DbSet<StatusSubscriberEntity> StatusSubscribers => Set<StatusSubscriberEntity>();
}
