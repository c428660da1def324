using Speedera.Core.Billing;
using Speedera.Web.Features.Billing;
using UglyToad.PdfPig;

namespace Speedera.Tests.Unit.Billing;

public sealed class InvoicePdfTests
{
    internal static InvoiceEntity SampleInvoice(TaxTreatment treatment = TaxTreatment.ReverseCharge)
    {
        var rate = treatment == TaxTreatment.Standard ? 19m : 0m;
        var invoice = new InvoiceEntity
        {
            Id = Guid.NewGuid(),
            OrganizationId = Guid.NewGuid(),
            Kind = InvoiceKind.Invoice,
            Status = InvoiceStatus.Issued,
            Number = "INV-2026-000042",
            Series = "INV-2026",
            SequenceNumber = 42,
            PeriodStart = new DateTime(2026, 10, 1, 0, 0, 0, DateTimeKind.Utc),
            PeriodEnd = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc),
            IssuedAt = new DateTime(2026, 11, 2, 9, 0, 0, DateTimeKind.Utc),
            DueAt = new DateTime(2026, 11, 16, 0, 0, 0, DateTimeKind.Utc),
            Currency = "EUR",
            TaxTreatment = treatment,
            TaxNote = TaxRules.NoteFor(treatment),
            PlanName = "Standard",
            SupplierName = "Speedera Networks GmbH",
            SupplierAddress = "Friedrichstraße 68\n10117 Berlin\nDE",
            SupplierVatId = "DE123456789",
            CustomerName = "Boulangerie Dupont SAS",
            CustomerAddress = "12 rue de la Paix\n75002 Paris\nFR",
            CustomerVatId = "FR40303265045",
        };
        invoice.Lines.Add(new InvoiceLineEntity { Position = 1, Kind = LineKind.MonthlyFee, Description = "Monthly service fee, October 2026", Quantity = 1, Unit = "month", UnitPrice = 49m, Amount = 49m, VatRatePercent = rate });
        invoice.Lines.Add(new InvoiceLineEntity { Position = 2, Kind = LineKind.Delivery, Region = BillingRegion.Europe, Description = "Data delivered, Europe, 0–10000 GB", Quantity = 1234.567891234m, Unit = "GB", UnitPrice = 0.085m, Amount = 104.94m, VatRatePercent = rate, RawQuantity = 1_234_567_891_234 });
        invoice.Lines.Add(new InvoiceLineEntity { Position = 3, Kind = LineKind.Requests, Description = "HTTP requests (per 10,000)", Quantity = 812.3456m, Unit = "10k req", UnitPrice = 0.0075m, Amount = 6.09m, VatRatePercent = rate, RawQuantity = 8_123_456 });
        InvoiceMath.ApplyTotals(invoice);
        return invoice;
    }

    [Fact]
    public void Invoice_pdf_carries_every_article_226_field()
    {
        var invoice = SampleInvoice();
        var pdf = InvoicePdf.Render(invoice, new SupplierOptions());
        // Kept for looking at (pdftoppm -png); test.sh collects test-output.
        if (Environment.GetEnvironmentVariable("SPEEDERA_BILLING_PDF_OUT") is { Length: > 0 } output)
        {
            Directory.CreateDirectory(output);
            File.WriteAllBytes(Path.Combine(output, "sample-invoice.pdf"), pdf);
        }

        using var document = PdfDocument.Open(pdf);
        var text = string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));

        foreach (var expected in new[]
        {
            "INV-2026-000042",                 // (2) sequential number
            "2026-11-02",                      // (1) issue date
            "2026-10-01", "2026-10-31",        // (7) supply period
            "Speedera", "Networks", "GmbH", "Friedrichstraße", "Berlin", "DE123456789", // (3)(5) supplier
            "Boulangerie", "Dupont", "Paris", "FR40303265045",                            // (4)(5) customer
            "Monthly", "1,234.567891234", "GB", "0.085", "104.94",                        // (6) services, quantity, (8) unit price
            "812.3456", "0.0075", "6.09",
            "Taxable", "160.03", "VAT", "0", "%",                                         // (8)(9)(10) taxable amount, rate, VAT
            "Reverse", "charge",                                                          // (11a)
            "EUR", "2026-11-16",
        })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }

        Assert.Equal(160.03m, invoice.GrossAmount);
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5), StringComparison.Ordinal);
    }

    [Fact]
    public void Standard_rate_invoice_shows_the_vat_amount_and_no_reverse_charge_note()
    {
        var invoice = SampleInvoice(TaxTreatment.Standard);
        using var document = PdfDocument.Open(InvoicePdf.Render(invoice, new SupplierOptions()));
        var text = string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));

        Assert.Contains("19", text, StringComparison.Ordinal);
        Assert.Contains("30.41", text, StringComparison.Ordinal); // 19 % of 160.03 = 30.4057 → 30.41
        Assert.Contains("190.44", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Reverse", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Many_lines_flow_onto_further_pages_with_page_numbers()
    {
        var invoice = SampleInvoice();
        for (var i = 4; i < 80; i++)
        {
            invoice.Lines.Add(new InvoiceLineEntity { Position = i, Description = $"Line {i}", Quantity = 1, Unit = "x", UnitPrice = 1m, Amount = 1m, VatRatePercent = 0m });
        }

        using var document = PdfDocument.Open(InvoicePdf.Render(invoice, new SupplierOptions()));
        Assert.True(document.NumberOfPages >= 2);
        var last = string.Join(" ", document.GetPage(document.NumberOfPages).GetWords().Select(w => w.Text));
        Assert.Contains($"page {document.NumberOfPages} of {document.NumberOfPages}", last, StringComparison.Ordinal);
    }
}
