using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Speedera.Core.Billing;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Billing;

/// <summary>A price plan. Plans are never edited once valid; a change is a new plan from the next period.</summary>
public sealed class PricePlanEntity
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string Currency { get; set; }

    public decimal MonthlyFee { get; set; }

    public decimal MinimumCharge { get; set; }

    public decimal PricePer10kRequests { get; set; }

    public decimal PricePerMillionDnsAnswers { get; set; }

    /// <summary>First day (UTC) of the first period the plan may rate.</summary>
    public DateTime ValidFrom { get; set; }

    /// <summary>First day of the first period the plan no longer rates; null while current.</summary>
    public DateTime? ValidUntil { get; set; }

    /// <summary>Rates organizations without an assignment of their own.</summary>
    public bool IsDefault { get; set; }

    public DateTime CreatedAt { get; set; }

    public List<PlanDeliveryTierEntity> Tiers { get; } = [];

    public PlanTerms ToTerms() => new(Currency, MonthlyFee, MinimumCharge,
        Tiers.Select(t => new DeliveryTier(t.Region, t.FromGb, t.PricePerGb)).ToList(), PricePer10kRequests, PricePerMillionDnsAnswers);

    public bool IsValidFor(DateTime periodStart) => ValidFrom <= periodStart && (ValidUntil is null || periodStart < ValidUntil);
}

public sealed class PlanDeliveryTierEntity
{
    public Guid Id { get; set; }

    public Guid PlanId { get; set; }

    /// <summary>Null: the default schedule for regions without their own.</summary>
    public BillingRegion? Region { get; set; }

    public decimal FromGb { get; set; }

    public decimal PricePerGb { get; set; }
}

/// <summary>Which plan an organization is on from which period on; rows are only added (history).</summary>
public sealed class PlanAssignmentEntity
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Guid PlanId { get; set; }

    public PricePlanEntity? Plan { get; set; }

    /// <summary>First day of the period the assignment applies from.</summary>
    public DateTime EffectiveFrom { get; set; }

    public DateTime AssignedAt { get; set; }

    public required string AssignedBy { get; set; }
}

/// <summary>Who the organization is for invoices: the customer fields of Article 226 and the tax treatment.</summary>
public sealed class BillingProfileEntity
{
    public Guid OrganizationId { get; set; }

    public required string LegalName { get; set; }

    public string AddressLine1 { get; set; } = "";

    public string AddressLine2 { get; set; } = "";

    public string PostalCode { get; set; } = "";

    public string City { get; set; } = "";

    /// <summary>ISO 3166-1 alpha-2.</summary>
    public string Country { get; set; } = "";

    /// <summary>Normalized (upper case, no separators); format-checked when saved.</summary>
    public string? VatId { get; set; }

    public TaxTreatment TaxTreatment { get; set; }

    /// <summary>Standard-treatment VAT rate in percent.</summary>
    public decimal VatRatePercent { get; set; }

    public string? BillingEmail { get; set; }

    public int PaymentTermsDays { get; set; } = 14;

    public string? StripeCustomerId { get; set; }

    public DateTime UpdatedAt { get; set; }
}

public enum InvoiceKind
{
    Invoice,
    CreditNote,
}

public enum InvoiceStatus
{
    Draft,
    Issued,
    Paid,
    Overdue,
    Void,
}

/// <summary>
/// An invoice or credit note. Drafts carry no number; issuing freezes the supplier and customer
/// details, takes the next number of the series and renders the PDF. Issued rows change only in status.
/// </summary>
public sealed class InvoiceEntity
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public InvoiceKind Kind { get; set; }

    public InvoiceStatus Status { get; set; }

    /// <summary>"{organization}/{yyyy-MM}" on the rated invoice of a period (unique: rating twice adds nothing); null otherwise.</summary>
    public string? PeriodKey { get; set; }

    public DateTime PeriodStart { get; set; }

    /// <summary>Exclusive end of the supply period.</summary>
    public DateTime PeriodEnd { get; set; }

    public string? Series { get; set; }

    public long? SequenceNumber { get; set; }

    public string? Number { get; set; }

    public DateTime? IssuedAt { get; set; }

    public DateTime? DueAt { get; set; }

    public required string Currency { get; set; }

    public decimal NetAmount { get; set; }

    public decimal VatAmount { get; set; }

    public decimal GrossAmount { get; set; }

    public TaxTreatment TaxTreatment { get; set; }

    public string? TaxNote { get; set; }

    public string PlanName { get; set; } = "";

    public string SupplierName { get; set; } = "";

    public string SupplierAddress { get; set; } = "";

    public string SupplierVatId { get; set; } = "";

    public string CustomerName { get; set; } = "";

    public string CustomerAddress { get; set; } = "";

    public string? CustomerVatId { get; set; }

    public string? CustomerEmail { get; set; }

    public Guid? CreditedInvoiceId { get; set; }

    public string? CreditedInvoiceNumber { get; set; }

    public string? Reason { get; set; }

    public DateTime? VoidedAt { get; set; }

    public DateTime? PaidAt { get; set; }

    public DateTime? RefundedAt { get; set; }

    public DateTime? PaymentFailedAt { get; set; }

    public string? PaymentError { get; set; }

    public string? StripeCheckoutSessionId { get; set; }

    public string? StripeCheckoutUrl { get; set; }

    public DateTime? StripeCheckoutExpiresAt { get; set; }

    public string? StripePaymentIntentId { get; set; }

    /// <summary>0 none, 1 before due, 2 after due, 3 final; advanced by a conditional update so two instances send each once.</summary>
    public int ReminderStage { get; set; }

    public DateTime CreatedAt { get; set; }

    public string? IssuedBy { get; set; }

    public List<InvoiceLineEntity> Lines { get; } = [];

    public bool IsOpen => Status is InvoiceStatus.Issued or InvoiceStatus.Overdue;
}

public sealed class InvoiceLineEntity
{
    public Guid Id { get; set; }

    public Guid InvoiceId { get; set; }

    public int Position { get; set; }

    public LineKind Kind { get; set; }

    public BillingRegion? Region { get; set; }

    public required string Description { get; set; }

    public decimal Quantity { get; set; }

    public required string Unit { get; set; }

    public decimal UnitPrice { get; set; }

    public decimal Amount { get; set; }

    public decimal VatRatePercent { get; set; }

    /// <summary>The raw counter (bytes, requests, answers) this line bills, for audit against the rollups.</summary>
    public long RawQuantity { get; set; }
}

/// <summary>The last number taken in a series ("INV-2026"); a concurrency token makes two issuers collide instead of sharing a number.</summary>
public sealed class InvoiceSequenceEntity
{
    public required string Series { get; set; }

    public long LastNumber { get; set; }
}

/// <summary>The PDF as issued: what the customer received, kept unchanged.</summary>
public sealed class InvoiceDocumentEntity
{
    public Guid InvoiceId { get; set; }

    public required byte[] Pdf { get; set; }

    public DateTime RenderedAt { get; set; }
}

/// <summary>A Stripe webhook event that was processed; its id is the key, so a replay finds it and does nothing.</summary>
public sealed class StripeEventEntity
{
    public required string EventId { get; set; }

    public required string Type { get; set; }

    public DateTime ReceivedAt { get; set; }

    public required string Outcome { get; set; }
}

internal sealed class BillingEntityConfiguration :
    IEntityTypeConfiguration<PricePlanEntity>,
    IEntityTypeConfiguration<PlanDeliveryTierEntity>,
    IEntityTypeConfiguration<PlanAssignmentEntity>,
    IEntityTypeConfiguration<BillingProfileEntity>,
    IEntityTypeConfiguration<InvoiceEntity>,
    IEntityTypeConfiguration<InvoiceLineEntity>,
    IEntityTypeConfiguration<InvoiceSequenceEntity>,
    IEntityTypeConfiguration<InvoiceDocumentEntity>,
    IEntityTypeConfiguration<StripeEventEntity>
{
    public void Configure(EntityTypeBuilder<PricePlanEntity> b)
    {
        b.ToTable("PricePlans");
        b.Property(p => p.Name).HasMaxLength(100);
        b.Property(p => p.Currency).HasMaxLength(3);
        b.Property(p => p.MonthlyFee).HasPrecision(18, 2);
        b.Property(p => p.MinimumCharge).HasPrecision(18, 2);
        b.Property(p => p.PricePer10kRequests).HasPrecision(18, 6);
        b.Property(p => p.PricePerMillionDnsAnswers).HasPrecision(18, 6);
        b.HasMany(p => p.Tiers).WithOne().HasForeignKey(t => t.PlanId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<PlanDeliveryTierEntity> b)
    {
        b.ToTable("PlanDeliveryTiers");
        b.Property(t => t.Region).HasConversion<string>().HasMaxLength(16);
        b.Property(t => t.FromGb).HasPrecision(28, 9);
        b.Property(t => t.PricePerGb).HasPrecision(18, 6);
    }

    public void Configure(EntityTypeBuilder<PlanAssignmentEntity> b)
    {
        b.ToTable("PlanAssignments");
        b.Property(a => a.AssignedBy).HasMaxLength(256);
        b.HasIndex(a => new { a.OrganizationId, a.EffectiveFrom });
        b.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(a => a.Plan).WithMany().HasForeignKey(a => a.PlanId).OnDelete(DeleteBehavior.Restrict);
    }

    public void Configure(EntityTypeBuilder<BillingProfileEntity> b)
    {
        b.ToTable("BillingProfiles");
        b.HasKey(p => p.OrganizationId);
        b.HasOne<Organization>().WithOne().HasForeignKey<BillingProfileEntity>(p => p.OrganizationId).OnDelete(DeleteBehavior.Cascade);
        b.Property(p => p.LegalName).HasMaxLength(200);
        b.Property(p => p.AddressLine1).HasMaxLength(200);
        b.Property(p => p.AddressLine2).HasMaxLength(200);
        b.Property(p => p.PostalCode).HasMaxLength(20);
        b.Property(p => p.City).HasMaxLength(100);
        b.Property(p => p.Country).HasMaxLength(2);
        b.Property(p => p.VatId).HasMaxLength(20);
        b.Property(p => p.TaxTreatment).HasConversion<string>().HasMaxLength(16);
        b.Property(p => p.VatRatePercent).HasPrecision(5, 2);
        b.Property(p => p.BillingEmail).HasMaxLength(256);
        b.Property(p => p.StripeCustomerId).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<InvoiceEntity> b)
    {
        b.ToTable("Invoices");
        b.Property(i => i.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(i => i.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(i => i.TaxTreatment).HasConversion<string>().HasMaxLength(16);
        b.Property(i => i.PeriodKey).HasMaxLength(64);
        b.Property(i => i.Series).HasMaxLength(32);
        b.Property(i => i.Number).HasMaxLength(48);
        b.Property(i => i.Currency).HasMaxLength(3);
        b.Property(i => i.NetAmount).HasPrecision(18, 2);
        b.Property(i => i.VatAmount).HasPrecision(18, 2);
        b.Property(i => i.GrossAmount).HasPrecision(18, 2);
        b.Property(i => i.TaxNote).HasMaxLength(300);
        b.Property(i => i.PlanName).HasMaxLength(100);
        b.Property(i => i.SupplierName).HasMaxLength(200);
        b.Property(i => i.SupplierAddress).HasMaxLength(600);
        b.Property(i => i.SupplierVatId).HasMaxLength(20);
        b.Property(i => i.CustomerName).HasMaxLength(200);
        b.Property(i => i.CustomerAddress).HasMaxLength(600);
        b.Property(i => i.CustomerVatId).HasMaxLength(20);
        b.Property(i => i.CustomerEmail).HasMaxLength(256);
        b.Property(i => i.CreditedInvoiceNumber).HasMaxLength(48);
        b.Property(i => i.Reason).HasMaxLength(500);
        b.Property(i => i.PaymentError).HasMaxLength(500);
        b.Property(i => i.StripeCheckoutSessionId).HasMaxLength(128);
        b.Property(i => i.StripeCheckoutUrl).HasMaxLength(1000);
        b.Property(i => i.StripePaymentIntentId).HasMaxLength(128);
        b.Property(i => i.IssuedBy).HasMaxLength(256);
        // Two rating runs racing on one period: the second insert fails on this key instead of billing twice.
        b.HasIndex(i => i.PeriodKey).IsUnique();
        // Gap-free and never twice: a number belongs to one document of its series.
        b.HasIndex(i => new { i.Series, i.SequenceNumber }).IsUnique();
        b.HasIndex(i => new { i.OrganizationId, i.PeriodStart });
        b.HasIndex(i => new { i.Status, i.DueAt });
        b.HasIndex(i => i.StripeCheckoutSessionId);
        b.HasOne<Organization>().WithMany().HasForeignKey(i => i.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(i => i.Lines).WithOne().HasForeignKey(l => l.InvoiceId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<InvoiceLineEntity> b)
    {
        b.ToTable("InvoiceLines");
        b.Property(l => l.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(l => l.Region).HasConversion<string>().HasMaxLength(16);
        b.Property(l => l.Description).HasMaxLength(300);
        b.Property(l => l.Quantity).HasPrecision(28, 9);
        b.Property(l => l.Unit).HasMaxLength(16);
        b.Property(l => l.UnitPrice).HasPrecision(18, 6);
        b.Property(l => l.Amount).HasPrecision(18, 2);
        b.Property(l => l.VatRatePercent).HasPrecision(5, 2);
    }

    public void Configure(EntityTypeBuilder<InvoiceSequenceEntity> b)
    {
        b.ToTable("InvoiceSequences");
        b.HasKey(s => s.Series);
        b.Property(s => s.Series).HasMaxLength(32);
        b.Property(s => s.LastNumber).IsConcurrencyToken();
    }

    public void Configure(EntityTypeBuilder<InvoiceDocumentEntity> b)
    {
        b.ToTable("InvoiceDocuments");
        b.HasKey(d => d.InvoiceId);
        b.HasOne<InvoiceEntity>().WithOne().HasForeignKey<InvoiceDocumentEntity>(d => d.InvoiceId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<StripeEventEntity> b)
    {
        b.ToTable("StripeEvents");
        b.HasKey(e => e.EventId);
        b.Property(e => e.EventId).HasMaxLength(128);
        b.Property(e => e.Type).HasMaxLength(100);
        b.Property(e => e.Outcome).HasMaxLength(200);
    }
}
