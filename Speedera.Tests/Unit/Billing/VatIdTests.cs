using Speedera.Core.Billing;

namespace Speedera.Tests.Unit.Billing;

public sealed class VatIdTests
{
    [Theory]
    [InlineData("DE123456789", "DE123456789", "DE")]
    [InlineData("de 123.456.789", "DE123456789", "DE")]
    [InlineData("FR40303265045", "FR40303265045", "FR")]
    [InlineData("NL123456789B01", "NL123456789B01", "NL")]
    [InlineData("ATU12345678", "ATU12345678", "AT")]
    [InlineData("EL123456789", "EL123456789", "GR")]
    [InlineData("IE1234567WA", "IE1234567WA", "IE")]
    [InlineData("GB123456789", "GB123456789", "GB")]
    public void Well_formed_vat_ids_are_normalized(string input, string normalized, string country)
    {
        Assert.True(VatIds.TryNormalize(input, out var n, out var c));
        Assert.Equal(normalized, n);
        Assert.Equal(country, c);
    }

    [Theory]
    [InlineData("DE12345678")]
    [InlineData("DE1234567890")]
    [InlineData("XX123456789")]
    [InlineData("NL123456789A01")]
    [InlineData("ATX12345678")]
    [InlineData("")]
    [InlineData("123456789")]
    public void Malformed_vat_ids_are_refused(string input) => Assert.False(VatIds.TryNormalize(input, out _, out _));

    [Theory]
    [InlineData("DE", "DE", true, TaxTreatment.Standard)]
    [InlineData("DE", "FR", true, TaxTreatment.ReverseCharge)]
    [InlineData("DE", "FR", false, TaxTreatment.Standard)]
    [InlineData("DE", "US", false, TaxTreatment.OutsideScope)]
    public void Tax_treatment_follows_place_of_supply(string supplier, string customer, bool vatId, TaxTreatment expected) =>
        Assert.Equal(expected, TaxRules.Suggest(supplier, customer, vatId));
}
