namespace Speedera.Core.Billing;

/// <summary>
/// A graduated delivery price: GB from <see cref="FromGb"/> up to the next tier's start cost
/// <see cref="PricePerGb"/>. <see cref="Region"/> null is the schedule for regions without their own.
/// </summary>
public sealed record DeliveryTier(BillingRegion? Region, decimal FromGb, decimal PricePerGb);

/// <summary>The prices of a plan, as the rater needs them. 1 GB is 10^9 bytes (decimal, as bandwidth is sold).</summary>
public sealed record PlanTerms(
    string Currency,
    decimal MonthlyFee,
    decimal MinimumCharge,
    IReadOnlyList<DeliveryTier> DeliveryTiers,
    decimal PricePer10kRequests,
    decimal PricePerMillionDnsAnswers)
{
    public const long BytesPerGb = 1_000_000_000;
    public const long RequestsPerUnit = 10_000;
    public const long DnsAnswersPerUnit = 1_000_000;

    /// <summary>Problems that would make rating ambiguous or lossy; empty when the terms are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Currency is not { Length: 3 } || !Currency.All(char.IsAsciiLetterUpper))
        {
            errors.Add("Currency must be an ISO 4217 code such as EUR.");
        }
        else if (!Money.HasCents(Currency))
        {
            errors.Add($"{Currency} does not have two decimal places (ISO 4217); invoices round every amount to cents, so plans in {Currency} are not supported.");
        }

        if (MonthlyFee < 0 || MinimumCharge < 0 || PricePer10kRequests < 0 || PricePerMillionDnsAnswers < 0)
        {
            errors.Add("Prices and fees cannot be negative.");
        }

        foreach (var group in DeliveryTiers.GroupBy(t => t.Region))
        {
            var name = group.Key is { } r ? BillingRegions.DisplayName(r) : "the default schedule";
            if (!group.Any(t => t.FromGb == 0))
            {
                errors.Add($"The delivery tiers of {name} must start at 0 GB.");
            }

            if (group.Select(t => t.FromGb).Distinct().Count() != group.Count())
            {
                errors.Add($"The delivery tiers of {name} repeat a starting volume.");
            }

            // Boundaries in whole bytes keep the split of raw bytes between tiers exact.
            if (group.Any(t => t.FromGb < 0 || t.PricePerGb < 0 || decimal.Round(t.FromGb * BytesPerGb) != t.FromGb * BytesPerGb))
            {
                errors.Add($"The delivery tiers of {name} need non-negative prices and volumes of whole bytes.");
            }
        }

        if (!DeliveryTiers.Any(t => t.Region is null))
        {
            errors.Add("A default delivery schedule (no region) is needed for POPs in regions without their own prices.");
        }

        return errors;
    }

    /// <summary>The tier schedule that applies to a region, ordered by starting volume.</summary>
    public IReadOnlyList<DeliveryTier> TiersFor(BillingRegion region)
    {
        var own = DeliveryTiers.Where(t => t.Region == region).OrderBy(t => t.FromGb).ToList();
        return own.Count > 0 ? own : DeliveryTiers.Where(t => t.Region is null).OrderBy(t => t.FromGb).ToList();
    }
}
