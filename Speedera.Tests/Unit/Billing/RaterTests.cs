using Speedera.Core.Billing;

namespace Speedera.Tests.Unit.Billing;

public sealed class RaterTests
{
    private static readonly PlanTerms Plan = new("EUR", 49m, 0m,
    [
        new DeliveryTier(null, 0m, 0.085m),
        new DeliveryTier(null, 10m, 0.06m),
        new DeliveryTier(null, 50m, 0.04m),
        new DeliveryTier(BillingRegion.AsiaPacific, 0m, 0.12m),
        new DeliveryTier(BillingRegion.AsiaPacific, 2.5m, 0.09m),
    ], 0.0075m, 0.40m);

    [Fact]
    public void Rated_quantities_add_up_to_the_raw_usage_exactly_for_random_usage()
    {
        var random = new Random(20261129);
        for (var run = 0; run < 2000; run++)
        {
            var usage = new UsageTotals();
            long bytes = 0, requests = 0, answers = 0;
            // Many small minute rollups of odd sizes, as the edge uploads them.
            var minutes = random.Next(0, 300);
            for (var m = 0; m < minutes; m++)
            {
                var region = (BillingRegion)random.Next(0, 5);
                var b = random.NextInt64(0, 3_000_000_000);
                var r = random.NextInt64(0, 500_000);
                usage.AddDelivery(region, b, r);
                bytes += b;
                requests += r;
            }

            var a = random.NextInt64(0, 50_000_000);
            usage.AddDnsAnswers(a);
            answers += a;

            var lines = Rater.Rate(Plan, usage, "November 2026");

            var delivery = lines.Where(l => l.Kind == LineKind.Delivery).ToList();
            Assert.Equal(bytes, delivery.Sum(l => l.RawQuantity));
            Assert.Equal((decimal)bytes, delivery.Sum(l => l.Quantity) * PlanTerms.BytesPerGb);
            Assert.Equal((decimal)requests, lines.Where(l => l.Kind == LineKind.Requests).Sum(l => l.Quantity) * PlanTerms.RequestsPerUnit);
            Assert.Equal(requests, lines.Where(l => l.Kind == LineKind.Requests).Sum(l => l.RawQuantity));
            Assert.Equal((decimal)answers, lines.Where(l => l.Kind == LineKind.DnsAnswers).Sum(l => l.Quantity) * PlanTerms.DnsAnswersPerUnit);
            foreach (var line in lines)
            {
                Assert.Equal(Math.Round(line.Quantity * line.UnitPrice, 2, MidpointRounding.AwayFromZero), line.Amount);
            }
        }
    }

    [Fact]
    public void Delivery_is_split_over_graduated_tiers_of_its_region()
    {
        var usage = new UsageTotals();
        usage.AddDelivery(BillingRegion.Europe, 60_000_000_000, 0);    // 60 GB: 10 + 40 + 10
        usage.AddDelivery(BillingRegion.AsiaPacific, 3_000_000_000, 0); // 3 GB: 2.5 + 0.5 at the APAC schedule

        var delivery = Rater.Rate(Plan, usage, "November 2026").Where(l => l.Kind == LineKind.Delivery).ToList();

        Assert.Equal([10m, 40m, 10m, 2.5m, 0.5m], delivery.Select(l => l.Quantity));
        Assert.Equal([0.085m, 0.06m, 0.04m, 0.12m, 0.09m], delivery.Select(l => l.UnitPrice));
        Assert.Equal([0.85m, 2.40m, 0.40m, 0.30m, 0.05m], delivery.Select(l => l.Amount));
        Assert.Equal([BillingRegion.Europe, BillingRegion.Europe, BillingRegion.Europe, BillingRegion.AsiaPacific, BillingRegion.AsiaPacific], delivery.Select(l => l.Region!.Value));
    }

    [Fact]
    public void Amounts_round_half_away_from_zero_once_per_line()
    {
        var plan = Plan with { MonthlyFee = 0m, PricePer10kRequests = 0.005m };
        var usage = new UsageTotals();
        usage.AddDelivery(BillingRegion.Europe, 0, 10_000); // 1 unit × 0.005 = 0.005 → 0.01

        var line = Assert.Single(Rater.Rate(plan, usage, "x"));

        Assert.Equal(0.01m, line.Amount);
        Assert.Equal(0.01m, Money.RoundAmount(0.005m));
        Assert.Equal(-0.01m, Money.RoundAmount(-0.005m));
    }

    [Fact]
    public void A_minimum_charge_tops_up_the_difference()
    {
        var plan = Plan with { MonthlyFee = 10m, MinimumCharge = 25m };
        var usage = new UsageTotals();
        usage.AddDelivery(BillingRegion.Europe, 1_000_000_000, 0); // 0.085

        var lines = Rater.Rate(plan, usage, "x");

        Assert.Equal(25m, lines.Sum(l => l.Amount));
        Assert.Equal(14.91m, lines.Single(l => l.Kind == LineKind.MinimumTopUp).Amount); // 25 - (10 + 0.09)
    }

    [Fact]
    public void Vat_is_computed_per_rate_on_the_rounded_line_amounts()
    {
        var totals = InvoiceTotals.Compute([(10.05m, 19m), (0.03m, 19m), (5m, 0m)]);

        var standard = totals.Vat.Single(v => v.RatePercent == 19m);
        Assert.Equal(10.08m, standard.TaxableAmount);
        Assert.Equal(1.92m, standard.VatAmount); // 1.9152 → 1.92
        Assert.Equal(15.08m, totals.Net);
        Assert.Equal(17.00m, totals.Gross);
    }

    [Theory]
    [InlineData(-1, "tiers of the default schedule must start at 0 GB")]
    [InlineData(0.0000000001, "whole bytes")]
    public void Plans_with_ambiguous_tiers_are_refused(double from, string expected)
    {
        var plan = Plan with { DeliveryTiers = [new DeliveryTier(null, 0m, 0.1m), new DeliveryTier(null, (decimal)from, 0.1m)] };
        if (from < 0)
        {
            plan = Plan with { DeliveryTiers = [new DeliveryTier(null, 5m, 0.1m)] };
        }

        Assert.Contains(plan.Validate(), e => e.Contains(expected, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(Plan.Validate());
    }

    [Theory]
    [InlineData("JPY")]
    [InlineData("KWD")]
    public void Plans_in_currencies_without_cents_are_refused(string currency)
    {
        Assert.Contains((Plan with { Currency = currency }).Validate(), e => e.Contains("two decimal places", StringComparison.Ordinal));
        Assert.Empty((Plan with { Currency = "USD" }).Validate());
    }

    [Fact]
    public void Amounts_are_formatted_with_their_currency_grouped_and_in_cents()
    {
        Assert.Equal("EUR 1,234,567.50", Money.Format(1234567.5m, "EUR"));
        Assert.Equal("CHF -0.05", Money.Format(-0.05m, "CHF"));
    }
}
