using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Billing;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Billing;

public sealed record RatingResult(DateTime PeriodStart, int Created, int AlreadyRated, int NothingToBill, int NoPlan)
{
    public string Summary => $"{BillingPeriods.Label(PeriodStart)}: {Created} draft(s) created, {AlreadyRated} already rated, {NothingToBill} with nothing to bill, {NoPlan} without a plan";
}

/// <summary>The month so far for one organization: what the rated lines would be now, and projected to the month's end.</summary>
public sealed record UsageSoFar(DateTime PeriodStart, DateTime AsOf, string PlanName, string Currency, UsageTotals Usage,
    IReadOnlyList<RatedLine> SoFar, InvoiceTotals SoFarTotals, IReadOnlyList<RatedLine> Projected, InvoiceTotals ProjectedTotals);

/// <summary>
/// The monthly rating run: usage rollups and decision counts of a period × each organization's plan →
/// a draft invoice with rated lines. Idempotent and safe to run from several instances at once: the
/// draft of (organization, period) carries a unique <see cref="InvoiceEntity.PeriodKey"/>, so a second
/// run's insert fails on the key and counts as "already rated" instead of billing twice.
/// </summary>
public sealed partial class BillingRating(IServiceScopeFactory scopes, IOptions<BillingOptions> options, TimeProvider time, ILogger<BillingRating> logger)
{
    private const int BatchSize = 200;

    public async Task<RatingResult> RateAsync(DateTime periodStart, Guid? organizationId = null, CancellationToken cancellationToken = default)
    {
        periodStart = BillingPeriods.MonthStart(periodStart);
        var periodEnd = BillingPeriods.NextMonth(periodStart);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        db.ChangeTracker.AutoDetectChangesEnabled = false;

        var organizations = await db.Organizations.AsNoTracking()
            .Where(o => o.CreatedAt < periodEnd && (organizationId == null || o.Id == organizationId))
            .Select(o => new { o.Id, o.Name })
            .ToListAsync(cancellationToken);
        var rated = (await db.Invoices.AsNoTracking()
            .Where(i => i.PeriodStart == periodStart && i.PeriodKey != null)
            .Select(i => i.PeriodKey!)
            .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        // Every run inserts in the same (key) order, so two racing runs wait on each other's keys instead of deadlocking.
        var pending = organizations.Where(o => !rated.Contains(BillingPeriods.Key(o.Id, periodStart)))
            .OrderBy(o => BillingPeriods.Key(o.Id, periodStart), StringComparer.Ordinal).ToList();
        var alreadyRated = organizations.Count - pending.Count;
        if (pending.Count == 0)
        {
            return new RatingResult(periodStart, 0, alreadyRated, 0, 0);
        }

        var plans = await PlansForAsync(db, periodStart, organizationId, cancellationToken);
        var profiles = await db.BillingProfiles.AsNoTracking()
            .Where(p => organizationId == null || p.OrganizationId == organizationId)
            .ToDictionaryAsync(p => p.OrganizationId, cancellationToken);
        var usage = await UsageAsync(db, periodStart, periodEnd, organizationId, cancellationToken);

        var now = time.GetUtcNow().UtcDateTime;
        var created = 0;
        var nothing = 0;
        var noPlan = 0;
        var batch = new List<InvoiceEntity>(BatchSize);
        foreach (var org in pending)
        {
            if (!plans.TryGetValue(org.Id, out var plan))
            {
                noPlan++;
                continue;
            }

            profiles.TryGetValue(org.Id, out var profile);
            var draft = BuildDraft(org.Id, org.Name, profile, plan, usage.GetValueOrDefault(org.Id) ?? new UsageTotals(), periodStart, periodEnd, now);
            if (draft is null)
            {
                nothing++;
                continue;
            }

            batch.Add(draft);
            if (batch.Count == BatchSize)
            {
                var (inserted, raced) = await InsertAsync(db, batch, cancellationToken);
                created += inserted;
                alreadyRated += raced;
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            var (inserted, raced) = await InsertAsync(db, batch, cancellationToken);
            created += inserted;
            alreadyRated += raced;
        }

        var result = new RatingResult(periodStart, created, alreadyRated, nothing, noPlan);
        Log.Rated(logger, result.Summary);
        return result;
    }

    /// <summary>Usage of the current month up to now, rated as it stands and projected linearly to the month's end.</summary>
    public async Task<UsageSoFar?> UsageSoFarAsync(Guid organizationId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var start = BillingPeriods.MonthStart(now);
        var end = BillingPeriods.NextMonth(start);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var plans = await PlansForAsync(db, start, organizationId, cancellationToken);
        if (!plans.TryGetValue(organizationId, out var plan))
        {
            return null;
        }

        var usage = (await UsageAsync(db, start, end, organizationId, cancellationToken)).GetValueOrDefault(organizationId) ?? new UsageTotals();
        var profile = await db.BillingProfiles.AsNoTracking().FirstOrDefaultAsync(p => p.OrganizationId == organizationId, cancellationToken);
        var vatRate = TaxRules.RateFor(profile?.TaxTreatment ?? TaxTreatment.Standard, profile?.VatRatePercent ?? options.Value.StandardVatRatePercent);
        var terms = plan.ToTerms();
        var label = BillingPeriods.Label(start);
        var soFar = Rater.Rate(terms, usage, label);
        var elapsed = (decimal)(now - start).TotalSeconds;
        var factor = elapsed <= 0 ? 1m : (decimal)(end - start).TotalSeconds / elapsed;
        var projected = Rater.Rate(terms, usage.Scale(factor), label);
        return new UsageSoFar(start, now, plan.Name, plan.Currency, usage,
            soFar, InvoiceTotals.Compute(soFar.Select(l => (l.Amount, vatRate))),
            projected, InvoiceTotals.Compute(projected.Select(l => (l.Amount, vatRate))));
    }

    /// <summary>
    /// Raw usage per organization: bytes and requests per region of the serving POP, and GTM answers.
    /// Summed in the database per (hostname, POP); a hostname belongs to the organization whose claim on it is live.
    /// </summary>
    /// <remarks>
    /// Traffic maintenance moves minute rows older than 48 h into hourly rows (one hour per transaction, deleting the
    /// minutes), and late uploads for such hours go straight to the hourly table, so every counted unit sits in exactly
    /// one of the two tables at any committed moment. Reading both tables inside one snapshot therefore bills each unit
    /// once: an hour moved while we read is seen either as minutes or as its hourly row, never both and never neither.
    /// </remarks>
    internal static async Task<Dictionary<Guid, UsageTotals>> UsageAsync(SpeederaDbContext db, DateTime start, DateTime end, Guid? organizationId, CancellationToken cancellationToken)
    {
        var owners = await db.Hostnames.AsNoTracking()
            .Where(h => (h.Verification == VerificationState.Active || h.Verification == VerificationState.Failed) && (organizationId == null || h.OrganizationId == organizationId))
            .Select(h => new { h.Name, h.OrganizationId })
            .ToListAsync(cancellationToken);
        var ownerOf = new Dictionary<string, Guid>(StringComparer.OrdinalIgnoreCase);
        foreach (var o in owners)
        {
            ownerOf.TryAdd(o.Name, o.OrganizationId);
        }

        var regionOf = (await db.Pops.AsNoTracking().Select(p => new { p.Id, p.Country }).ToListAsync(cancellationToken))
            .ToDictionary(p => p.Id, p => BillingRegions.OfCountry(p.Country), StringComparer.Ordinal);

        var minuteRollups = db.UsageRollups.AsNoTracking().Where(u => u.Minute >= start && u.Minute < end);
        var hourlyRollups = db.UsageHourly.AsNoTracking().Where(u => u.Hour >= start && u.Hour < end);
        var minuteDecisions = db.DecisionCounts.AsNoTracking().Where(d => d.Minute >= start && d.Minute < end);
        var hourlyDecisions = db.DecisionHourly.AsNoTracking().Where(d => d.Hour >= start && d.Hour < end);
        if (organizationId is not null)
        {
            var names = ownerOf.Keys.ToList();
            minuteRollups = minuteRollups.Where(u => names.Contains(u.Hostname));
            hourlyRollups = hourlyRollups.Where(u => names.Contains(u.Hostname));
            minuteDecisions = minuteDecisions.Where(d => names.Contains(d.Hostname));
            hourlyDecisions = hourlyDecisions.Where(d => names.Contains(d.Hostname));
        }

        var ownTransaction = db.Database.CurrentTransaction is null;
        await using var snapshot = ownTransaction ? await db.Database.BeginTransactionAsync(SnapshotIsolation(db), cancellationToken) : null;
        // Hourly tables first, as maintenance writes them: on lock-based databases both then take the tables in one order.
        var delivered = await hourlyRollups
            .GroupBy(u => new { u.Hostname, u.PopId })
            .Select(g => new { g.Key.Hostname, g.Key.PopId, Bytes = g.Sum(u => u.BytesToClients), Requests = g.Sum(u => u.Requests) })
            .ToListAsync(cancellationToken);
        var answered = await hourlyDecisions
            .GroupBy(d => d.Hostname)
            .Select(g => new { Hostname = g.Key, Answers = g.Sum(d => d.Count) })
            .ToListAsync(cancellationToken);
        delivered.AddRange(await minuteRollups
            .GroupBy(u => new { u.Hostname, u.PopId })
            .Select(g => new { g.Key.Hostname, g.Key.PopId, Bytes = g.Sum(u => u.BytesToClients), Requests = g.Sum(u => u.Requests) })
            .ToListAsync(cancellationToken));
        answered.AddRange(await minuteDecisions
            .GroupBy(d => d.Hostname)
            .Select(g => new { Hostname = g.Key, Answers = g.Sum(d => d.Count) })
            .ToListAsync(cancellationToken));
        if (snapshot is not null)
        {
            await snapshot.CommitAsync(cancellationToken);
        }

        var result = new Dictionary<Guid, UsageTotals>();
        UsageTotals For(Guid org) => result.TryGetValue(org, out var u) ? u : result[org] = new UsageTotals();
        foreach (var d in delivered)
        {
            if (ownerOf.TryGetValue(d.Hostname, out var org))
            {
                For(org).AddDelivery(regionOf.GetValueOrDefault(d.PopId, BillingRegion.Other), d.Bytes, d.Requests);
            }
        }

        foreach (var a in answered)
        {
            if (ownerOf.TryGetValue(a.Hostname, out var org))
            {
                For(org).AddDnsAnswers(a.Answers);
            }
        }

        return result;
    }

    // PostgreSQL's REPEATABLE READ is a snapshot; SQLite transactions are serializable; SQL Server's SERIALIZABLE holds
    // range locks until the reads are done, so maintenance waits instead of moving an hour in between.
    private static System.Data.IsolationLevel SnapshotIsolation(SpeederaDbContext db) =>
        db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true ? System.Data.IsolationLevel.RepeatableRead : System.Data.IsolationLevel.Serializable;

    /// <summary>Each organization's plan for a period: its latest assignment effective by the period's start, else the default plan.</summary>
    internal static async Task<Dictionary<Guid, PricePlanEntity>> PlansForAsync(SpeederaDbContext db, DateTime periodStart, Guid? organizationId, CancellationToken cancellationToken)
    {
        var plans = await db.PricePlans.AsNoTracking().Include(p => p.Tiers).ToListAsync(cancellationToken);
        var byId = plans.ToDictionary(p => p.Id);
        var fallback = plans.Where(p => p.IsDefault && p.IsValidFor(periodStart)).OrderByDescending(p => p.ValidFrom).FirstOrDefault();
        var assignments = await db.PlanAssignments.AsNoTracking()
            .Where(a => a.EffectiveFrom <= periodStart && (organizationId == null || a.OrganizationId == organizationId))
            .Select(a => new { a.OrganizationId, a.PlanId, a.EffectiveFrom, a.AssignedAt })
            .ToListAsync(cancellationToken);
        var latest = assignments.GroupBy(a => a.OrganizationId)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(a => a.EffectiveFrom).ThenByDescending(a => a.AssignedAt).First().PlanId);

        var orgs = await db.Organizations.AsNoTracking().Where(o => organizationId == null || o.Id == organizationId).Select(o => o.Id).ToListAsync(cancellationToken);
        var result = new Dictionary<Guid, PricePlanEntity>();
        foreach (var org in orgs)
        {
            var plan = latest.TryGetValue(org, out var planId) && byId.TryGetValue(planId, out var assigned) ? assigned : fallback;
            if (plan is not null)
            {
                result[org] = plan;
            }
        }

        return result;
    }

    private InvoiceEntity? BuildDraft(Guid organizationId, string organizationName, BillingProfileEntity? profile, PricePlanEntity plan, UsageTotals usage,
        DateTime periodStart, DateTime periodEnd, DateTime now)
    {
        var lines = Rater.Rate(plan.ToTerms(), usage, BillingPeriods.Label(periodStart));
        if (lines.Count == 0)
        {
            return null;
        }

        var treatment = profile?.TaxTreatment ?? TaxTreatment.Standard;
        var vatRate = TaxRules.RateFor(treatment, profile?.VatRatePercent ?? options.Value.StandardVatRatePercent);
        var invoice = new InvoiceEntity
        {
            // Time-ordered ids: EF sends a batch's inserts in key order, which is then the period-key order too.
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrganizationId = organizationId,
            Kind = InvoiceKind.Invoice,
            Status = InvoiceStatus.Draft,
            PeriodKey = BillingPeriods.Key(organizationId, periodStart),
            PeriodStart = periodStart,
            PeriodEnd = periodEnd,
            Currency = plan.Currency,
            TaxTreatment = treatment,
            TaxNote = TaxRules.NoteFor(treatment),
            PlanName = plan.Name,
            CustomerName = profile?.LegalName ?? organizationName,
            CustomerVatId = profile?.VatId,
            CreatedAt = now,
        };
        var position = 1;
        foreach (var line in lines)
        {
            invoice.Lines.Add(new InvoiceLineEntity
            {
                Id = Guid.NewGuid(),
                InvoiceId = invoice.Id,
                Position = position++,
                Kind = line.Kind,
                Region = line.Region,
                Description = line.Description,
                Quantity = line.Quantity,
                Unit = line.Unit,
                UnitPrice = line.UnitPrice,
                Amount = line.Amount,
                VatRatePercent = vatRate,
                RawQuantity = line.RawQuantity,
            });
        }

        InvoiceMath.ApplyTotals(invoice);
        return invoice;
    }

    /// <summary>Inserts a batch in one statement; if another run got there first, falls back to one by one and counts the races.</summary>
    private static async Task<(int Inserted, int Raced)> InsertAsync(SpeederaDbContext db, List<InvoiceEntity> batch, CancellationToken cancellationToken)
    {
        db.Invoices.AddRange(batch);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return (batch.Count, 0);
        }
        catch (Exception ex) when (IsConflict(ex))
        {
            db.ChangeTracker.Clear();
        }

        var inserted = 0;
        var raced = 0;
        foreach (var invoice in batch)
        {
            db.Invoices.Add(invoice);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                inserted++;
            }
            catch (Exception ex) when (IsConflict(ex))
            {
                db.ChangeTracker.Clear();
                if (!await db.Invoices.AsNoTracking().AnyAsync(i => i.PeriodKey == invoice.PeriodKey, cancellationToken))
                {
                    throw;
                }

                raced++;
            }

            db.ChangeTracker.Clear();
        }

        return (inserted, raced);
    }

    // Npgsql's execution strategy wraps transient errors (a deadlock victim) in an InvalidOperationException.
    private static bool IsConflict(Exception ex) => ex is DbUpdateException || ex.InnerException is DbUpdateException;

    private static partial class Log
    {
        [LoggerMessage(1800, LogLevel.Information, "Rating run {Summary}")]
        public static partial void Rated(ILogger logger, string summary);
    }
}

/// <summary>Totals of an invoice always come from its stored lines.</summary>
public static class InvoiceMath
{
    public static InvoiceTotals Totals(InvoiceEntity invoice) => InvoiceTotals.Compute(invoice.Lines.Select(l => (l.Amount, l.VatRatePercent)));

    public static void ApplyTotals(InvoiceEntity invoice)
    {
        var totals = Totals(invoice);
        invoice.NetAmount = totals.Net;
        invoice.VatAmount = totals.VatTotal;
        invoice.GrossAmount = totals.Gross;
    }
}
