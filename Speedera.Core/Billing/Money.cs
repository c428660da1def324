namespace Speedera.Core.Billing;

/// <summary>
/// The rounding rules of every amount on an invoice, in one place: amounts are rounded to the
/// currency's minor unit (2 decimals) half away from zero ("commercial rounding", what auditors
/// and most EU tax administrations expect), once per line and once per VAT rate, never in between.
/// </summary>
public static class Money
{
    public const int AmountDecimals = 2;

    /// <summary>Unit prices may carry more precision than amounts (e.g. 0.0125 per GB).</summary>
    public const int UnitPriceDecimals = 6;

    public static decimal RoundAmount(decimal value) => Math.Round(value, AmountDecimals, MidpointRounding.AwayFromZero);

    public static decimal RoundUnitPrice(decimal value) => Math.Round(value, UnitPriceDecimals, MidpointRounding.AwayFromZero);

    /// <summary>Line amount: quantity × unit price, rounded once.</summary>
    public static decimal LineAmount(decimal quantity, decimal unitPrice) => RoundAmount(quantity * unitPrice);

    /// <summary>VAT on the taxable amount of one rate (rate in percent, e.g. 19).</summary>
    public static decimal Vat(decimal taxableAmount, decimal ratePercent) => RoundAmount(taxableAmount * ratePercent / 100m);

    // ISO 4217 currencies whose minor unit is not 1/100 (none, or 1/1000); amounts here are always in cents.
    private static readonly HashSet<string> NotCents = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
        "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND",
    };

    /// <summary>Whether the currency's minor unit is a hundredth, as every amount on an invoice is rounded to.</summary>
    public static bool HasCents(string currency) => !NotCents.Contains(currency);

    /// <summary>An amount with its invoice's currency code (unambiguous across currencies), grouped, with two decimals.</summary>
    public static string Format(decimal amount, string currency) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{currency} {amount:#,##0.00}");
}
