using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Billing;
using Speedera.Web.Data;
using Speedera.Web.Features.Email;

namespace Speedera.Web.Features.Billing;

public sealed record BillingOutcome(bool Succeeded, string Message, Guid? Id = null)
{
    public static BillingOutcome Ok(string message, Guid? id = null) => new(true, message, id);

    public static BillingOutcome Fail(string message) => new(false, message);
}

/// <summary>
/// Issues invoices and credit notes: takes the next number of the series, freezes the Article 226
/// details, renders and stores the PDF and queues the e-mail, all in one transaction, so a number is
/// used if and only if its document exists (gap-free), and two issuers never share a number.
/// </summary>
public sealed partial class InvoiceIssuer(IServiceScopeFactory scopes, IOptions<BillingOptions> options, TimeProvider time, OutboxSignal outboxSignal, Live.LiveFeed live, ILogger<InvoiceIssuer> logger)
{
    private const int MaxAttempts = 20;

    public async Task<BillingOutcome> IssueAsync(Guid invoiceId, string issuedBy, CancellationToken cancellationToken = default)
    {
        var results = await IssueManyAsync([invoiceId], issuedBy, cancellationToken);
        return results.Count == 1 ? results[0] : BillingOutcome.Fail("Invoice not found.");
    }

    /// <summary>Issues drafts in one transaction per call (the bench issues thousands in batches).</summary>
    public async Task<IReadOnlyList<BillingOutcome>> IssueManyAsync(IReadOnlyList<Guid> invoiceIds, string issuedBy, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            var outbox = scope.ServiceProvider.GetRequiredService<Outbox>();
            var invoices = await db.Invoices.Include(i => i.Lines).Where(i => invoiceIds.Contains(i.Id)).ToListAsync(cancellationToken);
            var drafts = invoices.Where(i => i.Status == InvoiceStatus.Draft).OrderBy(i => i.CreatedAt).ThenBy(i => i.Id).ToList();
            var results = invoices.Where(i => i.Status != InvoiceStatus.Draft)
                .Select(i => BillingOutcome.Fail($"{i.Number ?? "The invoice"} is {i.Status.ToString().ToLowerInvariant()}, not a draft.")).ToList();
            if (drafts.Count == 0)
            {
                return results;
            }

            var ids = drafts.Select(d => d.OrganizationId).Distinct().ToList();
            var profiles = await db.BillingProfiles.AsNoTracking().Where(p => ids.Contains(p.OrganizationId)).ToDictionaryAsync(p => p.OrganizationId, cancellationToken);
            var orgs = await db.Organizations.AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
            var contacts = await ContactsAsync(db, ids, cancellationToken);
            var now = time.GetUtcNow().UtcDateTime;
            var numbers = await TakeNumbersAsync(db, options.Value.InvoiceSeriesPrefix, now, drafts.Count, cancellationToken);
            for (var i = 0; i < drafts.Count; i++)
            {
                var invoice = drafts[i];
                profiles.TryGetValue(invoice.OrganizationId, out var profile);
                Freeze(invoice, profile, orgs.GetValueOrDefault(invoice.OrganizationId, invoice.CustomerName), contacts.GetValueOrDefault(invoice.OrganizationId));
                Number(invoice, numbers.Series, numbers.First + i, now, issuedBy);
                invoice.DueAt = now.Date.AddDays(profile?.PaymentTermsDays ?? options.Value.PaymentTermsDays);
                var pdf = Finish(db, outbox, invoice, now);
                results.Add(BillingOutcome.Ok($"Issued {invoice.Number} ({pdf.Length / 1024} KB PDF).", invoice.Id));
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                outboxSignal.Notify();
                live.Publish(Live.LiveTopic.Invoices);
                foreach (var invoice in drafts)
                {
                    Log.Issued(logger, invoice.Number!, invoice.OrganizationId, issuedBy);
                }

                return results;
            }
            catch (Exception ex) when ((ex is DbUpdateException || ex.InnerException is DbUpdateException) && attempt < MaxAttempts)
            {
                // Another issuer took numbers of the series (or these drafts) first: start over on fresh data.
                Log.NumberingRetry(logger, attempt);
                await Backoff(attempt, cancellationToken);
            }
        }
    }

    /// <summary>A credit note for a whole issued invoice (amount null) or for a net amount at the invoice's VAT rate.</summary>
    public async Task<BillingOutcome> CreditAsync(Guid invoiceId, decimal? netAmount, string reason, string issuedBy, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return BillingOutcome.Fail("A credit note needs a reason.");
        }

        return await WithNumberRetryAsync(async (db, outbox) =>
        {
            var invoice = await db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == invoiceId, cancellationToken);
            if (invoice is null || invoice.Kind != InvoiceKind.Invoice || invoice.Status is InvoiceStatus.Draft or InvoiceStatus.Void)
            {
                return BillingOutcome.Fail("Only an issued invoice can be credited.");
            }

            var credited = await db.Invoices.AsNoTracking().Where(c => c.CreditedInvoiceId == invoiceId).Select(c => c.NetAmount).ToListAsync(cancellationToken);
            var remaining = invoice.NetAmount + credited.Sum();
            var amount = netAmount is { } requested ? Money.RoundAmount(requested) : remaining;
            if (amount <= 0 || amount > remaining)
            {
                return BillingOutcome.Fail($"The credit must be more than 0 and at most {Money.Format(remaining, invoice.Currency)} (what is not yet credited).");
            }

            var note = await CreateCreditNoteAsync(db, outbox, invoice, amount == invoice.NetAmount && credited.Count == 0 ? null : amount, reason.Trim(), issuedBy, cancellationToken);
            return BillingOutcome.Ok($"Credit note {note.Number} issued for {invoice.Number}.", note.Id);
        }, cancellationToken);
    }

    /// <summary>
    /// Voids an invoice. A draft simply becomes void (it has no number); an issued, unpaid invoice keeps its
    /// number and is cancelled by a credit note over its whole amount, as the VAT rules require.
    /// </summary>
    public async Task<BillingOutcome> VoidAsync(Guid invoiceId, string reason, string by, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return BillingOutcome.Fail("Voiding needs a reason.");
        }

        return await WithNumberRetryAsync(async (db, outbox) =>
        {
            var invoice = await db.Invoices.Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == invoiceId && i.Kind == InvoiceKind.Invoice, cancellationToken);
            if (invoice is null)
            {
                return BillingOutcome.Fail("Invoice not found.");
            }

            var now = time.GetUtcNow().UtcDateTime;
            switch (invoice.Status)
            {
                case InvoiceStatus.Draft:
                    invoice.Status = InvoiceStatus.Void;
                    invoice.Reason = reason.Trim();
                    invoice.VoidedAt = now;
                    // The period may be rated again after a voided draft (e.g. once a plan is corrected).
                    invoice.PeriodKey = null;
                    return BillingOutcome.Ok("Draft voided.", invoice.Id);
                case InvoiceStatus.Issued or InvoiceStatus.Overdue:
                    var hasCredits = await db.Invoices.AnyAsync(c => c.CreditedInvoiceId == invoiceId, cancellationToken);
                    if (hasCredits)
                    {
                        return BillingOutcome.Fail("The invoice is partly credited; credit the rest instead.");
                    }

                    invoice.Status = InvoiceStatus.Void;
                    invoice.Reason = reason.Trim();
                    invoice.VoidedAt = now;
                    var note = await CreateCreditNoteAsync(db, outbox, invoice, null, $"Cancels {invoice.Number}: {reason.Trim()}", by, cancellationToken);
                    return BillingOutcome.Ok($"{invoice.Number} voided; credit note {note.Number} issued.", invoice.Id);
                default:
                    return BillingOutcome.Fail($"A {invoice.Status.ToString().ToLowerInvariant()} invoice cannot be voided; issue a credit note.");
            }
        }, cancellationToken);
    }

    /// <summary>A payment received outside Stripe (bank transfer), recorded by Finance.</summary>
    public async Task<BillingOutcome> MarkPaidAsync(Guid invoiceId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        var changed = await db.Invoices
            .Where(i => i.Id == invoiceId && i.Kind == InvoiceKind.Invoice && (i.Status == InvoiceStatus.Issued || i.Status == InvoiceStatus.Overdue))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InvoiceStatus.Paid).SetProperty(i => i.PaidAt, now), cancellationToken);
        if (changed != 1)
        {
            return BillingOutcome.Fail("Only an open invoice can be marked as paid.");
        }

        live.Publish(Live.LiveTopic.Invoices);
        return BillingOutcome.Ok("Marked as paid.", invoiceId);
    }

    /// <summary>Issued invoices past their due date become overdue; reminders go out before and after the due date, each once.</summary>
    public async Task<(int Overdue, int Reminders)> ProcessDueAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<Outbox>();
        var o = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var overdue = await db.Invoices
            .Where(i => i.Kind == InvoiceKind.Invoice && i.Status == InvoiceStatus.Issued && i.DueAt < now)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InvoiceStatus.Overdue), cancellationToken);

        var soon = now + o.ReminderBeforeDue;
        var candidates = await db.Invoices.AsNoTracking()
            .Where(i => i.Kind == InvoiceKind.Invoice && (i.Status == InvoiceStatus.Issued || i.Status == InvoiceStatus.Overdue) && i.DueAt != null && i.DueAt <= soon && i.ReminderStage < 3)
            .ToListAsync(cancellationToken);
        var sent = 0;
        foreach (var invoice in candidates)
        {
            var due = invoice.DueAt!.Value;
            var stage = now >= due + o.FinalReminderAfterDue ? 3 : now >= due + o.ReminderAfterDue ? 2 : now < due ? 1 : 0;
            if (stage <= invoice.ReminderStage)
            {
                continue;
            }

            // Claim the stage with a conditional update: of two instances, only one sees its row change.
            var claimed = await db.Invoices.Where(i => i.Id == invoice.Id && i.ReminderStage == invoice.ReminderStage)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.ReminderStage, stage), cancellationToken);
            if (claimed != 1 || invoice.CustomerEmail is not { Length: > 0 } to)
            {
                continue;
            }

            var amount = Money.Format(invoice.GrossAmount, invoice.Currency);
            var (subject, text) = stage == 1
                ? ($"Reminder: invoice {invoice.Number} is due on {due:yyyy-MM-dd}", $"Invoice {invoice.Number} over {amount} is due on {due:yyyy-MM-dd}. You can pay it by card on the Invoices page of the Speedera portal.")
                : ($"{(stage == 3 ? "Final reminder" : "Payment reminder")}: invoice {invoice.Number} is overdue", $"Invoice {invoice.Number} over {amount} was due on {due:yyyy-MM-dd} and is not paid yet. Please pay it by card on the Invoices page of the Speedera portal or by bank transfer quoting {invoice.Number}.");
            outbox.Add(to, subject, text + "\n", $"<p>{WebUtility.HtmlEncode(text)}</p>", []);
            await db.SaveChangesAsync(cancellationToken);
            sent++;
        }

        if (sent > 0)
        {
            outboxSignal.Notify();
        }

        return (overdue, sent);
    }

    /// <summary>The latest PDF of a document; rendered and stored now if it has none yet (drafts render as previews, not stored).</summary>
    public async Task<byte[]?> PdfAsync(Guid invoiceId, Guid? organizationId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var invoice = await db.Invoices.AsNoTracking().Include(i => i.Lines)
            .FirstOrDefaultAsync(i => i.Id == invoiceId && (organizationId == null || (i.OrganizationId == organizationId && i.Status != InvoiceStatus.Draft)), cancellationToken);
        if (invoice is null)
        {
            return null;
        }

        var stored = await db.InvoiceDocuments.AsNoTracking().Where(d => d.InvoiceId == invoiceId).Select(d => d.Pdf).FirstOrDefaultAsync(cancellationToken);
        return stored ?? InvoicePdf.Render(invoice, options.Value.Supplier);
    }

    private async Task<BillingOutcome> WithNumberRetryAsync(Func<SpeederaDbContext, Outbox, Task<BillingOutcome>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            var outbox = scope.ServiceProvider.GetRequiredService<Outbox>();
            var outcome = await action(db, outbox);
            if (!outcome.Succeeded)
            {
                return outcome;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                outboxSignal.Notify();
                return outcome;
            }
            catch (Exception ex) when ((ex is DbUpdateException || ex.InnerException is DbUpdateException) && attempt < MaxAttempts)
            {
                Log.NumberingRetry(logger, attempt);
                await Backoff(attempt, cancellationToken);
            }
        }
    }

    private async Task<InvoiceEntity> CreateCreditNoteAsync(SpeederaDbContext db, Outbox outbox, InvoiceEntity invoice, decimal? partialNet, string reason, string issuedBy, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var note = new InvoiceEntity
        {
            Id = Guid.NewGuid(),
            OrganizationId = invoice.OrganizationId,
            Kind = InvoiceKind.CreditNote,
            Status = InvoiceStatus.Draft,
            PeriodStart = invoice.PeriodStart,
            PeriodEnd = invoice.PeriodEnd,
            Currency = invoice.Currency,
            TaxTreatment = invoice.TaxTreatment,
            TaxNote = invoice.TaxNote,
            PlanName = invoice.PlanName,
            SupplierName = invoice.SupplierName,
            SupplierAddress = invoice.SupplierAddress,
            SupplierVatId = invoice.SupplierVatId,
            CustomerName = invoice.CustomerName,
            CustomerAddress = invoice.CustomerAddress,
            CustomerVatId = invoice.CustomerVatId,
            CustomerEmail = invoice.CustomerEmail,
            CreditedInvoiceId = invoice.Id,
            CreditedInvoiceNumber = invoice.Number,
            Reason = reason,
            CreatedAt = now,
        };
        var position = 1;
        if (partialNet is { } net)
        {
            var rate = invoice.Lines.Select(l => l.VatRatePercent).DefaultIfEmpty(0m).Max();
            note.Lines.Add(new InvoiceLineEntity
            {
                Id = Guid.NewGuid(), InvoiceId = note.Id, Position = 1, Kind = LineKind.Credit, Description = $"Credit on {invoice.Number}: {reason}",
                Quantity = 1, Unit = "credit", UnitPrice = -net, Amount = -net, VatRatePercent = rate,
            });
        }
        else
        {
            foreach (var line in invoice.Lines.OrderBy(l => l.Position))
            {
                note.Lines.Add(new InvoiceLineEntity
                {
                    Id = Guid.NewGuid(), InvoiceId = note.Id, Position = position++, Kind = line.Kind, Region = line.Region, Description = line.Description,
                    Quantity = -line.Quantity, Unit = line.Unit, UnitPrice = line.UnitPrice, Amount = -line.Amount, VatRatePercent = line.VatRatePercent, RawQuantity = -line.RawQuantity,
                });
            }
        }

        var numbers = await TakeNumbersAsync(db, options.Value.CreditNoteSeriesPrefix, now, 1, cancellationToken);
        Number(note, numbers.Series, numbers.First, now, issuedBy);
        db.Invoices.Add(note);
        Finish(db, outbox, note, now);
        return note;
    }

    /// <summary>Reserves <paramref name="count"/> consecutive numbers; the update carries the old value as concurrency token.</summary>
    private static async Task<(string Series, long First)> TakeNumbersAsync(SpeederaDbContext db, string prefix, DateTime now, int count, CancellationToken cancellationToken)
    {
        var series = $"{prefix}-{now.Year.ToString(CultureInfo.InvariantCulture)}";
        var sequence = await db.InvoiceSequences.FirstOrDefaultAsync(s => s.Series == series, cancellationToken);
        if (sequence is null)
        {
            sequence = new InvoiceSequenceEntity { Series = series, LastNumber = 0 };
            db.InvoiceSequences.Add(sequence);
        }

        var first = sequence.LastNumber + 1;
        sequence.LastNumber += count;
        return (series, first);
    }

    private static void Number(InvoiceEntity invoice, string series, long number, DateTime now, string issuedBy)
    {
        invoice.Series = series;
        invoice.SequenceNumber = number;
        invoice.Number = $"{series}-{number.ToString("D6", CultureInfo.InvariantCulture)}";
        invoice.Status = InvoiceStatus.Issued;
        invoice.IssuedAt = now;
        invoice.IssuedBy = issuedBy;
    }

    private void Freeze(InvoiceEntity invoice, BillingProfileEntity? profile, string organizationName, string? contact)
    {
        var supplier = options.Value.Supplier;
        invoice.SupplierName = supplier.Name;
        invoice.SupplierAddress = supplier.Address();
        invoice.SupplierVatId = supplier.VatId;
        invoice.CustomerName = profile?.LegalName is { Length: > 0 } legal ? legal : organizationName;
        invoice.CustomerAddress = profile is null ? "" : string.Join("\n", new[] { profile.AddressLine1, profile.AddressLine2, $"{profile.PostalCode} {profile.City}".Trim(), profile.Country }.Where(s => !string.IsNullOrWhiteSpace(s)));
        invoice.CustomerVatId = profile?.VatId;
        invoice.CustomerEmail = profile?.BillingEmail is { Length: > 0 } email ? email : contact;
        InvoiceMath.ApplyTotals(invoice);
    }

    private byte[] Finish(SpeederaDbContext db, Outbox outbox, InvoiceEntity invoice, DateTime now)
    {
        InvoiceMath.ApplyTotals(invoice);
        var pdf = InvoicePdf.Render(invoice, options.Value.Supplier);
        db.InvoiceDocuments.Add(new InvoiceDocumentEntity { InvoiceId = invoice.Id, Pdf = pdf, RenderedAt = now });
        if (invoice.CustomerEmail is { Length: > 0 } to)
        {
            var kind = invoice.Kind == InvoiceKind.CreditNote ? "Credit note" : "Invoice";
            var amount = Money.Format(invoice.GrossAmount, invoice.Currency);
            var text = invoice.Kind == InvoiceKind.CreditNote
                ? $"Attached is credit note {invoice.Number} over {amount}, correcting invoice {invoice.CreditedInvoiceNumber}."
                : $"Attached is invoice {invoice.Number} over {amount} for {BillingPeriods.Label(invoice.PeriodStart)}, due on {invoice.DueAt:yyyy-MM-dd}. You can pay it by card on the Invoices page of the Speedera portal.";
            outbox.Add(to, $"{kind} {invoice.Number} from {invoice.SupplierName}", text + "\n", $"<p>{WebUtility.HtmlEncode(text)}</p>",
                [new OutboxAttachment($"{invoice.Number}.pdf", "application/pdf", pdf)]);
        }

        return pdf;
    }

    /// <summary>The first signed-up user of each organization, for mail when the billing profile names no address.</summary>
    private static async Task<Dictionary<Guid, string>> ContactsAsync(SpeederaDbContext db, List<Guid> organizations, CancellationToken cancellationToken)
    {
        var users = await db.Users.AsNoTracking()
            .Where(u => u.OrganizationId != null && organizations.Contains(u.OrganizationId.Value) && u.Email != null && u.EmailConfirmed)
            .Select(u => new { Org = u.OrganizationId!.Value, u.Email, u.CreatedAt })
            .ToListAsync(cancellationToken);
        return users.GroupBy(u => u.Org).ToDictionary(g => g.Key, g => g.OrderBy(u => u.CreatedAt).First().Email!);
    }

    // Real time, not the TimeProvider: a jitter against a competing transaction, not a business delay.
    private static Task Backoff(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(1810, LogLevel.Information, "Issued {Number} for organization {OrganizationId} by {IssuedBy}")]
        public static partial void Issued(ILogger logger, string number, Guid organizationId, string issuedBy);

        [LoggerMessage(1811, LogLevel.Information, "Numbering collided with another issuer (attempt {Attempt}); retrying on fresh data")]
        public static partial void NumberingRetry(ILogger logger, int attempt);
    }
}
