using System.ComponentModel.DataAnnotations;

namespace Speedera.Web.Features.Billing;

/// <summary>Settings under <c>Speedera:Billing</c>: who we are on invoices, terms, schedule and Stripe.</summary>
public sealed class BillingOptions
{
    public const string Section = "Speedera:Billing";

    public SupplierOptions Supplier { get; set; } = new();

    /// <summary>VAT rate (percent) of the supplier's country, for customers under the standard treatment.</summary>
    [Range(0, 50)]
    public decimal StandardVatRatePercent { get; set; } = 19m;

    [Range(0, 120)]
    public int PaymentTermsDays { get; set; } = 14;

    public string InvoiceSeriesPrefix { get; set; } = "INV";

    public string CreditNoteSeriesPrefix { get; set; } = "CN";

    /// <summary>The scheduler rates the previous month once the current one is this far in (usage uploads arrive late).</summary>
    public TimeSpan RatingDelay { get; set; } = TimeSpan.FromHours(6);

    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromMinutes(15);

    public bool SchedulerEnabled { get; set; } = true;

    /// <summary>Issue rated drafts without Finance's review.</summary>
    public bool AutoIssue { get; set; }

    public TimeSpan ReminderBeforeDue { get; set; } = TimeSpan.FromDays(3);

    public TimeSpan ReminderAfterDue { get; set; } = TimeSpan.FromDays(1);

    public TimeSpan FinalReminderAfterDue { get; set; } = TimeSpan.FromDays(14);

    public StripeOptions Stripe { get; set; } = new();
}

public sealed class SupplierOptions
{
    public string Name { get; set; } = "Speedera Networks GmbH";

    public string AddressLine1 { get; set; } = "Friedrichstraße 68";

    public string AddressLine2 { get; set; } = "";

    public string PostalCode { get; set; } = "10117";

    public string City { get; set; } = "Berlin";

    /// <summary>ISO 3166-1 alpha-2 code of the supplier's establishment (decides domestic vs cross-border).</summary>
    public string Country { get; set; } = "DE";

    public string VatId { get; set; } = "DE123456789";

    public string Email { get; set; } = "billing@speedera.local";

    public string BankDetails { get; set; } = "IBAN DE02 1001 0010 0006 8201 01 · BIC PBNKDEFF";

    public string Address() => string.Join("\n", new[] { AddressLine1, AddressLine2, $"{PostalCode} {City}".Trim(), Country }.Where(s => !string.IsNullOrWhiteSpace(s)));
}

/// <summary>Stripe keys come from the environment (<c>Speedera__Billing__Stripe__SecretKey</c>), never from a file in the repo.</summary>
public sealed class StripeOptions
{
    public string? SecretKey { get; set; }

    public string? WebhookSecret { get; set; }

    /// <summary>How old a signed webhook may be (Stripe's libraries use 5 minutes).</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Overrides Stripe's API address (tests point it at a recorded-response handler).</summary>
    public string? ApiBase { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(SecretKey);
}
