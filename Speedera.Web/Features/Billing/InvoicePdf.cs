using System.Globalization;
using System.Reflection;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;
using Speedera.Core.Billing;

namespace Speedera.Web.Features.Billing;

/// <summary>Serves the DejaVu fonts shipped inside the assembly, so a PDF renders the same on every machine.</summary>
internal sealed class ShippedFontResolver : IFontResolver
{
    public const string Family = "DejaVu Sans";

    private static readonly Lazy<byte[]> Regular = new(() => Load("DejaVuSans.ttf"));
    private static readonly Lazy<byte[]> Bold = new(() => Load("DejaVuSans-Bold.ttf"));
    private static readonly object Gate = new();

    /// <summary>PDFsharp's resolver is process-wide; set once, before the first document.</summary>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is not ShippedFontResolver)
            {
                GlobalFontSettings.FontResolver = new ShippedFontResolver();
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? "DejaVuSans-Bold" : "DejaVuSans", mustSimulateBold: false, mustSimulateItalic: italic);

    public byte[]? GetFont(string faceName) => faceName == "DejaVuSans-Bold" ? Bold.Value : Regular.Value;

    private static byte[] Load(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Speedera.Billing.Fonts." + file)
            ?? throw new InvalidOperationException($"Font {file} is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>
/// Renders an issued invoice or credit note with every field Article 226 of the VAT Directive asks for:
/// number, dates, both parties with addresses and VAT ids, services with quantities and unit prices,
/// taxable amount, rate and VAT per rate, and the reverse-charge note where it applies.
/// </summary>
public static class InvoicePdf
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly XColor Brand = XColor.FromArgb(0x1e, 0x4f, 0xa8);
    private static readonly XColor Muted = XColor.FromArgb(0x5f, 0x67, 0x73);
    private static readonly XColor Rule = XColor.FromArgb(0xd5, 0xda, 0xe1);
    private static readonly XColor Band = XColor.FromArgb(0xf2, 0xf5, 0xfa);

    private const double Margin = 50;
    private const double PageWidth = 595.28; // A4 in points
    private const double PageHeight = 841.89;

    public static byte[] Render(InvoiceEntity invoice, SupplierOptions supplier)
    {
        ShippedFontResolver.EnsureInstalled();
        using var document = new PdfDocument();
        var title = invoice.Kind == InvoiceKind.CreditNote ? "Credit note" : "Invoice";
        document.Info.Title = $"{title} {invoice.Number}";
        document.Info.Author = invoice.SupplierName;
        document.Info.Creator = "Speedera billing";

        var fonts = new Fonts();
        var page = new PageWriter(document, fonts, invoice, title).Start();
        var g = page.Graphics;
        var y = page.Top;

        // Parties: supplier left, customer right.
        var half = (PageWidth - 2 * Margin) / 2;
        g.DrawString("From", fonts.Label, new XSolidBrush(Muted), Margin, y);
        g.DrawString(invoice.Kind == InvoiceKind.CreditNote ? "Credit to" : "Bill to", fonts.Label, new XSolidBrush(Muted), Margin + half, y);
        y += 14;
        var left = DrawBlock(g, fonts, Margin, y, invoice.SupplierName, invoice.SupplierAddress, $"VAT ID: {invoice.SupplierVatId}");
        var right = DrawBlock(g, fonts, Margin + half, y, invoice.CustomerName, invoice.CustomerAddress,
            invoice.CustomerVatId is { Length: > 0 } vat ? $"VAT ID: {vat}" : "VAT ID: none given");
        y = Math.Max(left, right) + 16;

        // Dates and references.
        var facts = new List<(string, string)>
        {
            ($"{title} number", invoice.Number ?? "DRAFT"),
            ("Issue date", Date(invoice.IssuedAt)),
            ("Supply period", $"{invoice.PeriodStart:yyyy-MM-dd} to {invoice.PeriodEnd.AddDays(-1):yyyy-MM-dd}"),
        };
        if (invoice.Kind == InvoiceKind.Invoice)
        {
            facts.Add(("Due date", Date(invoice.DueAt)));
        }
        else if (invoice.CreditedInvoiceNumber is { } credited)
        {
            facts.Add(("Corrects invoice", credited));
        }

        facts.Add(("Plan", invoice.PlanName));
        // Columns as wide as their widest text, the spare width shared out evenly.
        var widths = facts.Select(f => Math.Max(g.MeasureString(f.Item1, fonts.Label).Width, g.MeasureString(f.Item2, fonts.Bold).Width)).ToList();
        var spare = Math.Max(0, (PageWidth - 2 * Margin - 12 - widths.Sum()) / Math.Max(1, facts.Count - 1));
        g.DrawRectangle(new XSolidBrush(Band), Margin, y - 4, PageWidth - 2 * Margin, 34);
        var factX = Margin + 6;
        for (var i = 0; i < facts.Count; i++)
        {
            g.DrawString(facts[i].Item1, fonts.Label, new XSolidBrush(Muted), factX, y + 8);
            g.DrawString(facts[i].Item2, fonts.Bold, XBrushes.Black, factX, y + 22);
            factX += widths[i] + spare;
        }

        y += 46;

        // Lines.
        // Column anchors: description from the left; quantity, unit price, VAT and amount right-aligned.
        const double numberX = Margin, descriptionX = Margin + 18, quantityRight = Margin + 292, unitX = Margin + 297,
            unitPriceRight = Margin + 392, vatRight = Margin + 430, amountRight = PageWidth - Margin;
        void Header(XGraphics gr, double at)
        {
            gr.DrawLine(new XPen(Brand, 1), Margin, at + 4, PageWidth - Margin, at + 4);
            gr.DrawString("#", fonts.Label, new XSolidBrush(Muted), numberX, at);
            gr.DrawString("Description", fonts.Label, new XSolidBrush(Muted), descriptionX, at);
            Right(gr, "Quantity", fonts.Label, Muted, quantityRight, at);
            gr.DrawString("Unit", fonts.Label, new XSolidBrush(Muted), unitX, at);
            Right(gr, "Unit price", fonts.Label, Muted, unitPriceRight, at);
            Right(gr, "VAT", fonts.Label, Muted, vatRight, at);
            Right(gr, $"Amount ({invoice.Currency})", fonts.Label, Muted, amountRight, at);
        }

        Header(g, y);
        y += 18;
        foreach (var line in invoice.Lines.OrderBy(l => l.Position))
        {
            if (y > PageHeight - 200)
            {
                g = page.NewPage();
                y = page.Top;
                Header(g, y);
                y += 18;
            }

            var quantity = Quantity(line.Quantity);
            var descriptionWidth = quantityRight - g.MeasureString(quantity, fonts.Body).Width - 8 - descriptionX;
            g.DrawString(line.Position.ToString(Invariant), fonts.Body, XBrushes.Black, numberX, y);
            g.DrawString(Fit(g, line.Description, fonts.Body, descriptionWidth), fonts.Body, XBrushes.Black, descriptionX, y);
            Right(g, quantity, fonts.Body, XColors.Black, quantityRight, y);
            g.DrawString(line.Unit, fonts.Body, XBrushes.Black, unitX, y);
            Right(g, line.UnitPrice.ToString("#,##0.00####", Invariant), fonts.Body, XColors.Black, unitPriceRight, y);
            Right(g, Percent(line.VatRatePercent), fonts.Body, XColors.Black, vatRight, y);
            Right(g, Amount(line.Amount), fonts.Body, XColors.Black, amountRight, y);
            y += 6;
            g.DrawLine(new XPen(Rule, 0.5), Margin, y, PageWidth - Margin, y);
            y += 12;
        }

        // Totals per VAT rate (Article 226(8)-(10)).
        var totals = InvoiceTotals.Compute(invoice.Lines.Select(l => (l.Amount, l.VatRatePercent)));
        y += 8;
        var labelX = PageWidth - Margin - 230;
        foreach (var rate in totals.Vat)
        {
            TotalRow(g, fonts.Body, labelX, y, $"Taxable amount at {Percent(rate.RatePercent)}", Amount(rate.TaxableAmount));
            y += 14;
            TotalRow(g, fonts.Body, labelX, y, $"VAT {Percent(rate.RatePercent)}", Amount(rate.VatAmount));
            y += 14;
        }

        g.DrawLine(new XPen(Brand, 1), labelX, y - 4, PageWidth - Margin, y - 4);
        y += 8;
        TotalRow(g, fonts.Total, labelX, y, invoice.Kind == InvoiceKind.CreditNote ? "Total credited" : "Total due", Money.Format(totals.Gross, invoice.Currency));
        y += 28;

        // Notes.
        var notes = new List<string>();
        if (invoice.TaxNote is { Length: > 0 } note)
        {
            notes.Add(note);
        }

        if (invoice.Kind == InvoiceKind.CreditNote && invoice.Reason is { Length: > 0 } reason)
        {
            notes.Add($"Reason: {reason}");
        }

        if (invoice.Kind == InvoiceKind.Invoice)
        {
            notes.Add($"Please pay {Money.Format(totals.Gross, invoice.Currency)} by {Date(invoice.DueAt)} quoting {invoice.Number}, by card in the Speedera portal or by bank transfer: {supplier.BankDetails}.");
        }

        foreach (var n in notes)
        {
            if (y > PageHeight - 80)
            {
                g = page.NewPage();
                y = page.Top;
            }

            var bold = n.StartsWith(TaxRules.ReverseChargeNote, StringComparison.Ordinal);
            foreach (var wrapped in Wrap(g, n, bold ? fonts.Bold : fonts.Body, PageWidth - 2 * Margin))
            {
                g.DrawString(wrapped, bold ? fonts.Bold : fonts.Body, XBrushes.Black, Margin, y);
                y += 12;
            }

            y += 4;
        }

        page.Finish();
        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return stream.ToArray();
    }

    private static double DrawBlock(XGraphics g, Fonts fonts, double x, double y, string name, string address, string vat)
    {
        g.DrawString(name, fonts.Bold, XBrushes.Black, x, y);
        y += 13;
        foreach (var line in address.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            g.DrawString(line, fonts.Body, XBrushes.Black, x, y);
            y += 12;
        }

        g.DrawString(vat, fonts.Body, XBrushes.Black, x, y);
        return y;
    }

    private static void TotalRow(XGraphics g, XFont font, double labelX, double y, string label, string value)
    {
        g.DrawString(label, font, XBrushes.Black, labelX, y);
        Right(g, value, font, XColors.Black, PageWidth - Margin, y);
    }

    private static void Right(XGraphics g, string text, XFont font, XColor color, double rightX, double y)
    {
        var width = g.MeasureString(text, font).Width;
        g.DrawString(text, font, new XSolidBrush(color), rightX - width, y);
    }

    private static string Fit(XGraphics g, string text, XFont font, double width)
    {
        if (g.MeasureString(text, font).Width <= width)
        {
            return text;
        }

        while (text.Length > 1 && g.MeasureString(text + "…", font).Width > width)
        {
            text = text[..^1];
        }

        return text + "…";
    }

    private static IEnumerable<string> Wrap(XGraphics g, string text, XFont font, double width)
    {
        var line = "";
        foreach (var word in text.Split(' '))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (g.MeasureString(candidate, font).Width > width && line.Length > 0)
            {
                yield return line;
                line = word;
            }
            else
            {
                line = candidate;
            }
        }

        if (line.Length > 0)
        {
            yield return line;
        }
    }

    private static string Date(DateTime? at) => at?.ToString("yyyy-MM-dd", Invariant) ?? "—";

    private static string Amount(decimal amount) => amount.ToString("#,##0.00", Invariant);

    private static string Percent(decimal rate) => rate.ToString("0.##", Invariant) + " %";

    /// <summary>Quantities print exactly (up to 9 decimals for GB, i.e. to the byte), so quantity × price can be checked.</summary>
    internal static string Quantity(decimal quantity) => quantity.ToString("#,##0.#########", Invariant);

    private sealed class Fonts
    {
        public XFont Body { get; } = new(ShippedFontResolver.Family, 8.5);

        public XFont Label { get; } = new(ShippedFontResolver.Family, 7.5);

        public XFont Bold { get; } = new(ShippedFontResolver.Family, 8.5, XFontStyleEx.Bold);

        public XFont Total { get; } = new(ShippedFontResolver.Family, 11, XFontStyleEx.Bold);

        public XFont Brand { get; } = new(ShippedFontResolver.Family, 20, XFontStyleEx.Bold);

        public XFont Title { get; } = new(ShippedFontResolver.Family, 14, XFontStyleEx.Bold);
    }

    /// <summary>Pages with the brand header and a footer naming the document and the page.</summary>
    private sealed class PageWriter(PdfDocument document, Fonts fonts, InvoiceEntity invoice, string title)
    {
        private readonly List<XGraphics> open = [];

        public XGraphics Graphics { get; private set; } = null!;

        public double Top { get; private set; }

        public XGraphics NewPage()
        {
            var page = document.AddPage();
            page.Width = XUnit.FromPoint(PageWidth);
            page.Height = XUnit.FromPoint(PageHeight);
            var g = XGraphics.FromPdfPage(page);
            open.Add(g);
            g.DrawRectangle(new XSolidBrush(InvoicePdf.Brand), 0, 0, PageWidth, 8);
            g.DrawString("Speedera", fonts.Brand, new XSolidBrush(InvoicePdf.Brand), Margin, 48);
            g.DrawString("Content delivery · Global traffic management", fonts.Label, new XSolidBrush(Muted), Margin, 62);
            var heading = invoice.Status == InvoiceStatus.Draft ? $"{title} (draft)" : title;
            Right(g, heading, fonts.Title, XColors.Black, PageWidth - Margin, 44);
            Right(g, invoice.Number ?? "not issued", fonts.Body, Muted, PageWidth - Margin, 60);
            Graphics = g;
            Top = 100;
            return g;
        }

        public void Finish()
        {
            var count = open.Count;
            for (var i = 0; i < count; i++)
            {
                var g = open[i];
                g.DrawLine(new XPen(Rule, 0.5), Margin, PageHeight - 40, PageWidth - Margin, PageHeight - 40);
                g.DrawString($"{invoice.SupplierName} · VAT ID {invoice.SupplierVatId}", fonts.Label, new XSolidBrush(Muted), Margin, PageHeight - 28);
                Right(g, $"{title} {invoice.Number} · page {i + 1} of {count}", fonts.Label, Muted, PageWidth - Margin, PageHeight - 28);
                g.Dispose();
            }
        }

        public PageWriter Start()
        {
            NewPage();
            return this;
        }
    }
}
