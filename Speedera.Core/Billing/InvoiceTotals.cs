namespace Speedera.Core.Billing;

/// <summary>Taxable amount, VAT rate and VAT amount of one rate, as Article 226(8)-(10) asks.</summary>
public sealed record VatBreakdown(decimal RatePercent, decimal TaxableAmount, decimal VatAmount);

public sealed record InvoiceTotals(decimal Net, IReadOnlyList<VatBreakdown> Vat, decimal VatTotal, decimal Gross)
{
    /// <summary>VAT is computed once per rate on the sum of that rate's rounded line amounts.</summary>
    public static InvoiceTotals Compute(IEnumerable<(decimal Amount, decimal VatRatePercent)> lines)
    {
        var list = lines.ToList();
        var vat = list.GroupBy(l => l.VatRatePercent)
            .OrderByDescending(g => g.Key)
            .Select(g =>
            {
                var taxable = g.Sum(l => l.Amount);
                return new VatBreakdown(g.Key, taxable, Money.Vat(taxable, g.Key));
            })
            .ToList();
        var net = list.Sum(l => l.Amount);
        var vatTotal = vat.Sum(v => v.VatAmount);
        return new InvoiceTotals(net, vat, vatTotal, net + vatTotal);
    }
}
