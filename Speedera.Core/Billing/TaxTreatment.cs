namespace Speedera.Core.Billing;

/// <summary>How VAT applies to an organization's invoices.</summary>
public enum TaxTreatment
{
    /// <summary>Supplier's VAT charged at the profile's rate (customer in the supplier's country, or a consumer).</summary>
    Standard,

    /// <summary>EU business customer in another member state: no VAT charged, the customer accounts for it (Art. 196).</summary>
    ReverseCharge,

    /// <summary>Business customer outside the EU: the supply is not taxable here (Art. 44 place of supply).</summary>
    OutsideScope,
}

public static class TaxRules
{
    /// <summary>The note Article 226(11a) requires on a reverse-charge invoice.</summary>
    public const string ReverseChargeNote = "Reverse charge";

    /// <summary>The treatment the rules suggest for a customer; Finance may override it on the profile.</summary>
    public static TaxTreatment Suggest(string supplierCountry, string customerCountry, bool hasValidVatId)
    {
        if (string.Equals(supplierCountry, customerCountry, StringComparison.OrdinalIgnoreCase))
        {
            return TaxTreatment.Standard;
        }

        var customerInEu = VatIds.EuCountries.Contains(customerCountry.ToUpperInvariant());
        if (customerInEu)
        {
            return hasValidVatId ? TaxTreatment.ReverseCharge : TaxTreatment.Standard;
        }

        return hasValidVatId || !string.IsNullOrEmpty(customerCountry) ? TaxTreatment.OutsideScope : TaxTreatment.Standard;
    }

    /// <summary>The VAT rate that applies under a treatment, in percent.</summary>
    public static decimal RateFor(TaxTreatment treatment, decimal standardRatePercent) =>
        treatment == TaxTreatment.Standard ? standardRatePercent : 0m;

    public static string? NoteFor(TaxTreatment treatment) => treatment switch
    {
        TaxTreatment.ReverseCharge => ReverseChargeNote + ": VAT to be accounted for by the recipient (Article 196, Directive 2006/112/EC).",
        TaxTreatment.OutsideScope => "Not subject to VAT in the EU: place of supply outside the EU (Article 44, Directive 2006/112/EC).",
        _ => null,
    };
}
