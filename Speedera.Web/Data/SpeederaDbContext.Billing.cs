using Microsoft.EntityFrameworkCore;
using Speedera.Web.Features.Billing;

namespace Speedera.Web.Data;

public partial class SpeederaDbContext
{
    public DbSet<PricePlanEntity> PricePlans => Set<PricePlanEntity>();

    public DbSet<PlanDeliveryTierEntity> PlanDeliveryTiers => Set<PlanDeliveryTierEntity>();

    public DbSet<PlanAssignmentEntity> PlanAssignments => Set<PlanAssignmentEntity>();

    public DbSet<BillingProfileEntity> BillingProfiles => Set<BillingProfileEntity>();

    public DbSet<InvoiceEntity> Invoices => Set<InvoiceEntity>();

    public DbSet<InvoiceLineEntity> InvoiceLines => Set<InvoiceLineEntity>();

    public DbSet<InvoiceSequenceEntity> InvoiceSequences => Set<InvoiceSequenceEntity>();

    public DbSet<InvoiceDocumentEntity> InvoiceDocuments => Set<InvoiceDocumentEntity>();

    public DbSet<StripeEventEntity> StripeEvents => Set<StripeEventEntity>();
}
