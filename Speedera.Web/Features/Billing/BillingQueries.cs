using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Billing;

public enum InvoiceFilter
{
    All,
    Drafts,
    Receivables,
    Overdue,
    Paid,
    CreditNotes,
    Void,
}

public sealed record InvoiceRow(Guid Id, Guid OrganizationId, string Organization, InvoiceKind Kind, string? Number, DateTime PeriodStart, InvoiceStatus Status,
    DateTime? IssuedAt, DateTime? DueAt, string Currency, decimal NetAmount, decimal GrossAmount, DateTime? PaymentFailedAt, DateTime? RefundedAt, string? CreditedInvoiceNumber);

public sealed record CurrencyTotal(string Currency, decimal Amount, int Count);

public sealed record ReceivablesSummary(int Drafts, IReadOnlyList<CurrencyTotal> Open, IReadOnlyList<CurrencyTotal> Overdue);

public sealed record CustomerBilling(Guid OrganizationId, string? Plan, string? Country, string? VatId, string? TaxTreatment, IReadOnlyList<CurrencyTotal> Outstanding, int Overdue);

/// <summary>Read models of the billing pages and API; every amount comes from stored invoices and lines.</summary>
public sealed class BillingQueries(IServiceScopeFactory scopes, TimeProvider time)
{
    private static readonly Dictionary<string, LambdaExpression> Sort = new(StringComparer.Ordinal)
    {
        [nameof(InvoiceRow.Number)] = QueryPaging.Key((InvoiceEntity i) => i.Number),
        [nameof(InvoiceRow.PeriodStart)] = QueryPaging.Key((InvoiceEntity i) => i.PeriodStart),
        [nameof(InvoiceRow.IssuedAt)] = QueryPaging.Key((InvoiceEntity i) => i.IssuedAt),
        [nameof(InvoiceRow.DueAt)] = QueryPaging.Key((InvoiceEntity i) => i.DueAt),
        [nameof(InvoiceRow.Status)] = QueryPaging.Key((InvoiceEntity i) => i.Status),
    };

    public async Task<PageResult<InvoiceRow>> InvoicesAsync(InvoiceFilter filter, PageQuery query, Guid? organizationId = null, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var invoices = Filter(db.Invoices.AsNoTracking(), filter);
        if (organizationId is { } org)
        {
            // Customers never see drafts: they are Finance's working copies.
            invoices = invoices.Where(i => i.OrganizationId == org && i.Status != InvoiceStatus.Draft);
        }

        if (query.SearchText is { } search)
        {
            var orgIds = db.Organizations.Where(o => o.Name.Contains(search)).Select(o => o.Id);
            invoices = invoices.Where(i => (i.Number != null && i.Number.Contains(search)) || orgIds.Contains(i.OrganizationId));
        }

        var total = await invoices.CountAsync(cancellationToken);
        var fallback = QueryPaging.Key((InvoiceEntity i) => i.CreatedAt);
        var sorted = query.SortBy is null ? invoices.OrderByDescending(i => i.PeriodStart).ThenByDescending(i => i.CreatedAt) : invoices.SortBy(query, Sort, fallback);
        var rows = await sorted.Skip(query.Skip).Take(query.Take)
            .Join(db.Organizations, i => i.OrganizationId, o => o.Id, (i, o) => new InvoiceRow(i.Id, i.OrganizationId, o.Name, i.Kind, i.Number, i.PeriodStart, i.Status,
                i.IssuedAt, i.DueAt, i.Currency, i.NetAmount, i.GrossAmount, i.PaymentFailedAt, i.RefundedAt, i.CreditedInvoiceNumber))
            .ToListAsync(cancellationToken);
        return new PageResult<InvoiceRow>(rows, total);
    }

    public async Task<InvoiceEntity?> InvoiceAsync(Guid id, Guid? organizationId = null, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var invoice = await db.Invoices.AsNoTracking().Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == id, cancellationToken);
        if (invoice is null || (organizationId is { } org && (invoice.OrganizationId != org || invoice.Status == InvoiceStatus.Draft)))
        {
            return null;
        }

        invoice.Lines.Sort((a, b) => a.Position.CompareTo(b.Position));
        return invoice;
    }

    public async Task<ReceivablesSummary> SummaryAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var drafts = await db.Invoices.CountAsync(i => i.Status == InvoiceStatus.Draft, cancellationToken);
        // Decimal sums in memory: SQLite cannot aggregate decimals exactly in SQL.
        var open = await db.Invoices.AsNoTracking()
            .Where(i => i.Kind == InvoiceKind.Invoice && (i.Status == InvoiceStatus.Issued || i.Status == InvoiceStatus.Overdue))
            .Select(i => new { i.Currency, i.GrossAmount, i.Status })
            .ToListAsync(cancellationToken);
        static List<CurrencyTotal> Totals<T>(IEnumerable<T> rows, Func<T, string> currency, Func<T, decimal> amount) =>
            rows.GroupBy(currency).OrderBy(g => g.Key).Select(g => new CurrencyTotal(g.Key, g.Sum(amount), g.Count())).ToList();
        return new ReceivablesSummary(drafts, Totals(open, o => o.Currency, o => o.GrossAmount), Totals(open.Where(o => o.Status == InvoiceStatus.Overdue), o => o.Currency, o => o.GrossAmount));
    }

    /// <summary>Billing columns for the Customers page: the plan this period, country, VAT id, open and overdue amounts.</summary>
    public async Task<Dictionary<Guid, CustomerBilling>> CustomersAsync(IReadOnlyCollection<Guid> organizationIds, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var period = BillingPeriods.MonthStart(time.GetUtcNow().UtcDateTime);
        var plans = await BillingRating.PlansForAsync(db, period, null, cancellationToken);
        var profiles = await db.BillingProfiles.AsNoTracking().Where(p => organizationIds.Contains(p.OrganizationId)).ToDictionaryAsync(p => p.OrganizationId, cancellationToken);
        var open = await db.Invoices.AsNoTracking()
            .Where(i => organizationIds.Contains(i.OrganizationId) && i.Kind == InvoiceKind.Invoice && (i.Status == InvoiceStatus.Issued || i.Status == InvoiceStatus.Overdue))
            .Select(i => new { i.OrganizationId, i.Currency, i.GrossAmount, i.Status })
            .ToListAsync(cancellationToken);
        return organizationIds.ToDictionary(id => id, id =>
        {
            profiles.TryGetValue(id, out var profile);
            var mine = open.Where(o => o.OrganizationId == id).ToList();
            return new CustomerBilling(id, plans.GetValueOrDefault(id)?.Name, profile?.Country, profile?.VatId, profile?.TaxTreatment.ToString(),
                mine.GroupBy(o => o.Currency).Select(g => new CurrencyTotal(g.Key, g.Sum(o => o.GrossAmount), g.Count())).ToList(),
                mine.Count(o => o.Status == InvoiceStatus.Overdue));
        });
    }

    public async Task<IReadOnlyList<(Guid Id, string Name)>> OrganizationsAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var rows = await db.Organizations.AsNoTracking().OrderBy(o => o.Name).Select(o => new { o.Id, o.Name }).ToListAsync(cancellationToken);
        return rows.Select(r => (r.Id, r.Name)).ToList();
    }

    private static IQueryable<InvoiceEntity> Filter(IQueryable<InvoiceEntity> invoices, InvoiceFilter filter) => filter switch
    {
        InvoiceFilter.Drafts => invoices.Where(i => i.Status == InvoiceStatus.Draft),
        InvoiceFilter.Receivables => invoices.Where(i => i.Kind == InvoiceKind.Invoice && (i.Status == InvoiceStatus.Issued || i.Status == InvoiceStatus.Overdue)),
        InvoiceFilter.Overdue => invoices.Where(i => i.Status == InvoiceStatus.Overdue),
        InvoiceFilter.Paid => invoices.Where(i => i.Status == InvoiceStatus.Paid),
        InvoiceFilter.CreditNotes => invoices.Where(i => i.Kind == InvoiceKind.CreditNote),
        InvoiceFilter.Void => invoices.Where(i => i.Status == InvoiceStatus.Void),
        _ => invoices,
    };
}
