namespace Speedera.Core.Billing;

public enum LineKind
{
    MonthlyFee,
    Delivery,
    Requests,
    DnsAnswers,
    MinimumTopUp,
    Credit,
}

/// <summary>
/// Raw usage of one organization in one period: bytes delivered and requests per region of the POP
/// that served them, and DNS answers of its GTM hostnames. Counters are whole numbers, as uploaded.
/// </summary>
public sealed class UsageTotals
{
    private readonly long[] bytes = new long[Enum.GetValues<BillingRegion>().Length];
    private readonly long[] requests = new long[Enum.GetValues<BillingRegion>().Length];

    public long DnsAnswers { get; private set; }

    public long BytesIn(BillingRegion region) => bytes[(int)region];

    public long RequestsIn(BillingRegion region) => requests[(int)region];

    public long TotalBytes => bytes.Sum();

    public long TotalRequests => requests.Sum();

    public void AddDelivery(BillingRegion region, long deliveredBytes, long requestCount)
    {
        bytes[(int)region] = checked(bytes[(int)region] + deliveredBytes);
        requests[(int)region] = checked(requests[(int)region] + requestCount);
    }

    public void AddDnsAnswers(long answers) => DnsAnswers = checked(DnsAnswers + answers);

    /// <summary>Usage scaled by a factor (a projection of a month from the part of it so far), rounded down to whole units.</summary>
    public UsageTotals Scale(decimal factor)
    {
        var scaled = new UsageTotals();
        foreach (var region in Enum.GetValues<BillingRegion>())
        {
            scaled.AddDelivery(region, (long)decimal.Floor(BytesIn(region) * factor), (long)decimal.Floor(RequestsIn(region) * factor));
        }

        scaled.AddDnsAnswers((long)decimal.Floor(DnsAnswers * factor));
        return scaled;
    }
}

/// <summary>
/// One rated line. <see cref="RawQuantity"/> is the part of the raw counter (bytes, requests, answers)
/// the line bills; <see cref="Quantity"/> is the same in the plan's unit (GB, 10,000 requests, million
/// answers), exact (no rounding: 10^9, 10^4 and 10^6 divide without loss in decimal).
/// </summary>
public sealed record RatedLine(
    LineKind Kind,
    BillingRegion? Region,
    string Description,
    decimal Quantity,
    string Unit,
    decimal UnitPrice,
    decimal Amount,
    long RawQuantity);

/// <summary>Turns a period's raw usage and a plan into invoice lines. A pure function: same input, same lines.</summary>
public static class Rater
{
    public static IReadOnlyList<RatedLine> Rate(PlanTerms plan, UsageTotals usage, string periodLabel)
    {
        var lines = new List<RatedLine>();
        if (plan.MonthlyFee > 0)
        {
            lines.Add(new RatedLine(LineKind.MonthlyFee, null, $"Monthly service fee, {periodLabel}", 1m, "month", plan.MonthlyFee, Money.RoundAmount(plan.MonthlyFee), 0));
        }

        foreach (var region in Enum.GetValues<BillingRegion>())
        {
            lines.AddRange(RateDelivery(plan, region, usage.BytesIn(region)));
        }

        if (usage.TotalRequests > 0)
        {
            var quantity = (decimal)usage.TotalRequests / PlanTerms.RequestsPerUnit;
            lines.Add(new RatedLine(LineKind.Requests, null, "HTTP requests (per 10,000)", quantity, "10k req", plan.PricePer10kRequests,
                Money.LineAmount(quantity, plan.PricePer10kRequests), usage.TotalRequests));
        }

        if (usage.DnsAnswers > 0)
        {
            var quantity = (decimal)usage.DnsAnswers / PlanTerms.DnsAnswersPerUnit;
            lines.Add(new RatedLine(LineKind.DnsAnswers, null, "GTM DNS answers (per million)", quantity, "M answers", plan.PricePerMillionDnsAnswers,
                Money.LineAmount(quantity, plan.PricePerMillionDnsAnswers), usage.DnsAnswers));
        }

        var subtotal = lines.Sum(l => l.Amount);
        if (plan.MinimumCharge > subtotal)
        {
            var topUp = Money.RoundAmount(plan.MinimumCharge - subtotal);
            lines.Add(new RatedLine(LineKind.MinimumTopUp, null, $"Minimum monthly charge {Money.Format(plan.MinimumCharge, plan.Currency)}: difference", 1m, "month", topUp, topUp, 0));
        }

        return lines;
    }

    /// <summary>Splits a region's bytes over its graduated tiers in whole bytes, so the parts add up to the total.</summary>
    private static IEnumerable<RatedLine> RateDelivery(PlanTerms plan, BillingRegion region, long bytes)
    {
        if (bytes <= 0)
        {
            yield break;
        }

        var tiers = plan.TiersFor(region);
        for (var i = 0; i < tiers.Count; i++)
        {
            var from = (long)(tiers[i].FromGb * PlanTerms.BytesPerGb);
            var to = i + 1 < tiers.Count ? (long)(tiers[i + 1].FromGb * PlanTerms.BytesPerGb) : long.MaxValue;
            var inTier = Math.Max(0, Math.Min(bytes, to) - from);
            if (inTier == 0)
            {
                continue;
            }

            var quantity = (decimal)inTier / PlanTerms.BytesPerGb;
            var range = i + 1 < tiers.Count ? $"{tiers[i].FromGb:0.###}–{tiers[i + 1].FromGb:0.###} GB" : $"over {tiers[i].FromGb:0.###} GB";
            yield return new RatedLine(LineKind.Delivery, region, $"Data delivered, {BillingRegions.DisplayName(region)}, {range}", quantity, "GB",
                tiers[i].PricePerGb, Money.LineAmount(quantity, tiers[i].PricePerGb), inTier);
        }
    }
}
