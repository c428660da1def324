using System.Net;
using Microsoft.EntityFrameworkCore;
using Speedera.Core.Billing;
using Speedera.Tests.Integration.Portal;
using Speedera.Tests.Support;
using Speedera.Web.Features.Billing;

namespace Speedera.Tests.Integration.Billing;

/// <summary>Rating, numbering, issuing, voiding and the customer API on a real database (SQLite and PostgreSQL).</summary>
public abstract class BillingTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    [Fact]
    public async Task Rating_bills_exactly_the_period_rollups_and_a_second_run_adds_nothing()
    {
        _ = factory.Services; // start the host: the scheduler seeds the default plan
        await factory.Service<BillingAdmin>().EnsureDefaultPlanAsync();
        var period = BillingSeed.PeriodMonthsAgo(1);
        var usage = await BillingSeed.OrganizationWithUsageAsync(factory, period, seed: 11);
        var rating = factory.Service<BillingRating>();

        var first = await rating.RateAsync(period, usage.OrganizationId);
        var second = await rating.RateAsync(period, usage.OrganizationId);

        Assert.Equal(1, first.Created);
        Assert.Equal(0, second.Created);
        Assert.Equal(1, second.AlreadyRated);
        var invoices = await factory.WithDbAsync(db => db.Invoices.Include(i => i.Lines).Where(i => i.OrganizationId == usage.OrganizationId).ToListAsync());
        var invoice = Assert.Single(invoices);
        Assert.Equal(InvoiceStatus.Draft, invoice.Status);
        Assert.Null(invoice.Number);
        Assert.Equal(usage.Bytes, invoice.Lines.Where(l => l.Kind == LineKind.Delivery).Sum(l => l.RawQuantity));
        Assert.Equal((decimal)usage.Bytes, invoice.Lines.Where(l => l.Kind == LineKind.Delivery).Sum(l => l.Quantity) * PlanTerms.BytesPerGb);
        Assert.Equal(usage.Requests, invoice.Lines.Where(l => l.Kind == LineKind.Requests).Sum(l => l.RawQuantity));
        Assert.Equal(usage.Answers, invoice.Lines.Where(l => l.Kind == LineKind.DnsAnswers).Sum(l => l.RawQuantity));
        // POPs in four regions: sjc (North America), fra (Europe), nrt (Asia-Pacific), gru (South America).
        Assert.Equal(4, invoice.Lines.Where(l => l.Kind == LineKind.Delivery).Select(l => l.Region).Distinct().Count());
        Assert.Equal(invoice.Lines.Sum(l => l.Amount), invoice.NetAmount);
    }

    [Fact]
    public async Task Two_rating_runs_started_at_once_bill_each_organization_once()
    {
        await factory.Service<BillingAdmin>().EnsureDefaultPlanAsync();
        var period = BillingSeed.PeriodMonthsAgo(3);
        var seeded = new List<SeededUsage>();
        for (var i = 0; i < 25; i++)
        {
            seeded.Add(await BillingSeed.OrganizationWithUsageAsync(factory, period, minutes: 6, seed: 100 + i));
        }

        var rating = factory.Service<BillingRating>();
        var results = await Task.WhenAll(Task.Run(() => rating.RateAsync(period)), Task.Run(() => rating.RateAsync(period)));

        var ids = seeded.Select(s => s.OrganizationId).ToList();
        var perOrg = await factory.WithDbAsync(db => db.Invoices.Where(i => i.PeriodStart == period && ids.Contains(i.OrganizationId))
            .GroupBy(i => i.OrganizationId).Select(g => g.Count()).ToListAsync());
        Assert.Equal(25, perOrg.Count);
        Assert.All(perOrg, count => Assert.Equal(1, count));
        var totalInPeriod = await factory.WithDbAsync(db => db.Invoices.CountAsync(i => i.PeriodStart == period));
        Assert.Equal(totalInPeriod, results.Sum(r => r.Created));
    }

    [Fact]
    public async Task Issuing_drafts_concurrently_numbers_them_without_gaps_or_duplicates_and_mails_the_pdf()
    {
        await factory.Service<BillingAdmin>().EnsureDefaultPlanAsync();
        var period = BillingSeed.PeriodMonthsAgo(5);
        var rating = factory.Service<BillingRating>();
        var ids = new List<Guid>();
        var mail = $"billing-{Guid.NewGuid():N}@example.test";
        for (var i = 0; i < 10; i++)
        {
            var usage = await BillingSeed.OrganizationWithUsageAsync(factory, period, minutes: 4, seed: 300 + i, billingEmail: i == 0 ? mail : null);
            await rating.RateAsync(period, usage.OrganizationId);
            ids.Add(await factory.WithDbAsync(db => db.Invoices.Where(x => x.OrganizationId == usage.OrganizationId).Select(x => x.Id).SingleAsync()));
        }

        var issuer = factory.Service<InvoiceIssuer>();
        var outcomes = await Task.WhenAll(ids.Select(id => Task.Run(() => issuer.IssueAsync(id, "finance@test"))));
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Message));
        // Issuing again does nothing.
        Assert.False((await issuer.IssueAsync(ids[0], "finance@test")).Succeeded);

        var series = $"INV-{DateTime.UtcNow.Year}";
        var numbers = await factory.WithDbAsync(db => db.Invoices.Where(i => i.Series == series).Select(i => i.SequenceNumber!.Value).ToListAsync());
        numbers.Sort();
        Assert.Equal(Enumerable.Range(1, numbers.Count).Select(n => (long)n), numbers);
        var documents = await factory.WithDbAsync(db => db.InvoiceDocuments.CountAsync(d => ids.Contains(d.InvoiceId)));
        Assert.Equal(10, documents);

        var issued = await factory.WithDbAsync(db => db.Invoices.SingleAsync(i => i.Id == ids[0]));
        Assert.Equal(InvoiceStatus.Issued, issued.Status);
        Assert.Equal("FR40303265045", issued.CustomerVatId);
        Assert.Contains("Reverse charge", issued.TaxNote, StringComparison.Ordinal);
        Assert.Equal(0m, issued.VatAmount);
        string? eml = null;
        await Eventually.TrueAsync(() =>
        {
            eml = Directory.Exists(factory.MailDirectory)
                ? Directory.GetFiles(factory.MailDirectory, "*.eml").Select(File.ReadAllText).FirstOrDefault(t => t.Contains(mail, StringComparison.Ordinal))
                : null;
            return eml is not null;
        }, "the invoice mail is in the pickup folder", TimeSpan.FromSeconds(20));
        Assert.Contains("application/pdf", eml, StringComparison.Ordinal);
        Assert.Contains($"{issued.Number}.pdf", eml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Voiding_an_issued_invoice_keeps_its_number_and_issues_a_credit_note()
    {
        await factory.Service<BillingAdmin>().EnsureDefaultPlanAsync();
        var period = BillingSeed.PeriodMonthsAgo(6);
        var usage = await BillingSeed.OrganizationWithUsageAsync(factory, period, minutes: 5, seed: 600);
        await factory.Service<BillingRating>().RateAsync(period, usage.OrganizationId);
        var id = await factory.WithDbAsync(db => db.Invoices.Where(x => x.OrganizationId == usage.OrganizationId).Select(x => x.Id).SingleAsync());
        var issuer = factory.Service<InvoiceIssuer>();
        Assert.True((await issuer.IssueAsync(id, "finance@test")).Succeeded);

        Assert.False((await issuer.VoidAsync(id, " ", "finance@test")).Succeeded);
        var voided = await issuer.VoidAsync(id, "wrong plan", "finance@test");

        Assert.True(voided.Succeeded, voided.Message);
        var all = await factory.WithDbAsync(db => db.Invoices.Include(i => i.Lines).Where(i => i.OrganizationId == usage.OrganizationId).ToListAsync());
        var invoice = all.Single(i => i.Kind == InvoiceKind.Invoice);
        var note = all.Single(i => i.Kind == InvoiceKind.CreditNote);
        Assert.Equal(InvoiceStatus.Void, invoice.Status);
        Assert.NotNull(invoice.Number);
        Assert.StartsWith("CN-", note.Number, StringComparison.Ordinal);
        Assert.Equal(invoice.Number, note.CreditedInvoiceNumber);
        Assert.Equal(-invoice.GrossAmount, note.GrossAmount);
        Assert.Equal(-invoice.NetAmount, note.Lines.Sum(l => l.Amount));
        // A paid or void invoice cannot be voided again; it can be credited only while open or paid.
        Assert.False((await issuer.VoidAsync(id, "again", "finance@test")).Succeeded);
    }

    [Fact]
    public async Task Customers_see_only_their_own_issued_invoices_through_the_api()
    {
        await factory.Service<BillingAdmin>().EnsureDefaultPlanAsync();
        var owner = await Tenant.CreateAsync(factory, "Invoice Owner");
        var intruder = await Tenant.CreateAsync(factory, "Invoice Intruder");
        var ownerOrg = await factory.WithDbAsync(db => db.Organizations.Where(o => o.Name == "Invoice Owner").Select(o => o.Id).FirstAsync());
        var period = BillingSeed.PeriodMonthsAgo(1);
        await factory.WithDbAsync(async db =>
        {
            (await db.Organizations.SingleAsync(o => o.Id == ownerOrg)).CreatedAt = period.AddDays(-3);
            return await db.SaveChangesAsync();
        });
        await BillingSeed.OrganizationWithUsageAsync(factory, period, minutes: 5, seed: 700, organizationId: ownerOrg);
        await factory.Service<BillingRating>().RateAsync(period, ownerOrg);
        var id = await factory.WithDbAsync(db => db.Invoices.Where(x => x.OrganizationId == ownerOrg).Select(x => x.Id).SingleAsync());

        // A draft is Finance's working copy: not shown to the customer yet.
        Assert.Equal(0, (await owner.GetJsonAsync("/api/v1/invoices")).GetArrayLength());
        await owner.GetJsonAsync($"/api/v1/invoices/{id}", HttpStatusCode.NotFound);

        Assert.True((await factory.Service<InvoiceIssuer>().IssueAsync(id, "finance@test")).Succeeded);
        var list = await owner.GetJsonAsync("/api/v1/invoices");
        Assert.Equal(id, Assert.Single(list.EnumerateArray()).GetProperty("id").GetGuid());
        var detail = await owner.GetJsonAsync($"/api/v1/invoices/{id}");
        Assert.Equal("issued", detail.GetProperty("status").GetString());
        Assert.StartsWith("INV-", detail.GetProperty("number").GetString(), StringComparison.Ordinal);
        Assert.True(detail.GetProperty("lines").GetArrayLength() >= 3);
        var pdf = await owner.Api.GetAsync($"/api/v1/invoices/{id}/pdf");
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(await pdf.Content.ReadAsByteArrayAsync())[..5], StringComparison.Ordinal);

        Assert.Equal(0, (await intruder.GetJsonAsync("/api/v1/invoices")).GetArrayLength());
        await intruder.GetJsonAsync($"/api/v1/invoices/{id}", HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await intruder.Api.GetAsync($"/api/v1/invoices/{id}/pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await intruder.Browser.Http.GetAsync($"/invoices/{id}/pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Browser.Http.GetAsync($"/invoices/{id}/pdf")).StatusCode);
        // Finance's download needs a Finance role.
        Assert.NotEqual(HttpStatusCode.OK, (await owner.Browser.Http.GetAsync($"/finance/invoices/{id}/pdf")).StatusCode);
    }
}

public sealed class SqliteBillingTests(SqlitePortalFactory factory) : BillingTests<SqlitePortalFactory>(factory);

public sealed class PostgresBillingTests(PostgresPortalFactory factory) : BillingTests<PostgresPortalFactory>(factory);
