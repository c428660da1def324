using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;
using Stripe;
using Stripe.Checkout;

namespace Speedera.Web.Features.Billing;

public enum WebhookOutcome
{
    Processed,
    Duplicate,
    Ignored,
    Refused,
}

public sealed record WebhookResult(WebhookOutcome Outcome, string Detail)
{
    /// <summary>Refused deliveries get 400 (Stripe shows them as failed); everything verified gets 200 so Stripe stops retrying.</summary>
    public int StatusCode => Outcome == WebhookOutcome.Refused ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
}

/// <summary>
/// <c>POST /webhooks/stripe</c>: verifies the signature and its age, processes each event id once (the id is
/// stored in the same transaction as the invoice change), and marks invoices paid, failed or refunded.
/// </summary>
public sealed partial class StripeWebhook(IServiceScopeFactory scopes, IOptions<BillingOptions> options, TimeProvider time, Live.LiveFeed live, ILogger<StripeWebhook> logger)
{
    public const int MaxPayloadBytes = 512 * 1024;

    public async Task<WebhookResult> HandleAsync(string payload, string? signatureHeader, CancellationToken cancellationToken)
    {
        var stripe = options.Value.Stripe;
        if (string.IsNullOrWhiteSpace(stripe.WebhookSecret))
        {
            Log.Refused(logger, "no webhook secret is configured");
            return new WebhookResult(WebhookOutcome.Refused, "webhooks are not configured");
        }

        var check = StripeWebhookSignature.Verify(signatureHeader, payload, stripe.WebhookSecret, time.GetUtcNow(), stripe.WebhookTolerance);
        if (check != SignatureCheck.Valid)
        {
            Log.Refused(logger, $"signature {check}");
            return new WebhookResult(WebhookOutcome.Refused, $"signature {check.ToString().ToLowerInvariant()}");
        }

        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ParseEvent(payload, throwOnApiVersionMismatch: false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Parsing is pure: whatever it throws on, the body is not an event we can act on (a 400, never a 500).
            Log.Refused(logger, "payload is not a Stripe event");
            return new WebhookResult(WebhookOutcome.Refused, "not a Stripe event");
        }

        if (string.IsNullOrEmpty(stripeEvent.Id))
        {
            Log.Refused(logger, "event without id");
            return new WebhookResult(WebhookOutcome.Refused, "event without id");
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        if (await db.StripeEvents.AnyAsync(e => e.EventId == stripeEvent.Id, cancellationToken))
        {
            Log.Duplicate(logger, stripeEvent.Id, stripeEvent.Type);
            return new WebhookResult(WebhookOutcome.Duplicate, "already processed");
        }

        var (outcome, detail) = await ApplyAsync(db, stripeEvent, cancellationToken);
        db.StripeEvents.Add(new StripeEventEntity { EventId = stripeEvent.Id, Type = stripeEvent.Type ?? "", ReceivedAt = time.GetUtcNow().UtcDateTime, Outcome = detail.Length > 200 ? detail[..200] : detail });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same event delivered twice at once: the other delivery stored the id (and its effect) first.
            Log.Duplicate(logger, stripeEvent.Id, stripeEvent.Type ?? "");
            return new WebhookResult(WebhookOutcome.Duplicate, "already processed");
        }

        if (outcome == WebhookOutcome.Ignored)
        {
            Log.Ignored(logger, stripeEvent.Id, stripeEvent.Type ?? "", detail);
        }
        else
        {
            Log.Processed(logger, stripeEvent.Id, stripeEvent.Type ?? "", detail);
            // Open invoice pages show the new state without a reload.
            live.Publish(Live.LiveTopic.Invoices);
        }

        return new WebhookResult(outcome, detail);
    }

    private async Task<(WebhookOutcome, string)> ApplyAsync(SpeederaDbContext db, Event stripeEvent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        switch (stripeEvent.Data?.Object)
        {
            case Session session when stripeEvent.Type == EventTypes.CheckoutSessionCompleted:
            {
                var invoice = await FindAsync(db, session.Metadata, session.ClientReferenceId, null, cancellationToken);
                if (invoice is null)
                {
                    return (WebhookOutcome.Ignored, "no matching invoice");
                }

                if (session.PaymentStatus != "paid")
                {
                    return (WebhookOutcome.Ignored, $"session {session.PaymentStatus}, not paid");
                }

                return MarkPaid(invoice, session.PaymentIntentId, now);
            }

            case PaymentIntent intent when stripeEvent.Type == EventTypes.PaymentIntentSucceeded:
            {
                var invoice = await FindAsync(db, intent.Metadata, null, intent.Id, cancellationToken);
                return invoice is null ? (WebhookOutcome.Ignored, "no matching invoice") : MarkPaid(invoice, intent.Id, now);
            }

            case PaymentIntent intent when stripeEvent.Type == EventTypes.PaymentIntentPaymentFailed:
            {
                var invoice = await FindAsync(db, intent.Metadata, null, intent.Id, cancellationToken);
                if (invoice is null)
                {
                    return (WebhookOutcome.Ignored, "no matching invoice");
                }

                var error = intent.LastPaymentError?.Message ?? "payment failed";
                invoice.PaymentFailedAt = now;
                invoice.PaymentError = error.Length > 500 ? error[..500] : error;
                invoice.StripePaymentIntentId ??= intent.Id;
                return (WebhookOutcome.Processed, $"{invoice.Number} payment failed");
            }

            case Charge charge when stripeEvent.Type == EventTypes.ChargeRefunded:
            {
                var invoice = await FindAsync(db, charge.Metadata, null, charge.PaymentIntentId, cancellationToken);
                if (invoice is null)
                {
                    return (WebhookOutcome.Ignored, "no matching invoice");
                }

                invoice.RefundedAt = now;
                if (charge.Refunded && invoice.Status == InvoiceStatus.Paid)
                {
                    // The money went back: the invoice is owed again unless Finance credits it.
                    invoice.Status = invoice.DueAt < now ? InvoiceStatus.Overdue : InvoiceStatus.Issued;
                    invoice.PaidAt = null;
                }

                return (WebhookOutcome.Processed, $"{invoice.Number} refunded{(charge.Refunded ? "" : " in part")}");
            }

            default:
                return (WebhookOutcome.Ignored, $"event type {stripeEvent.Type} is not handled");
        }
    }

    private static (WebhookOutcome, string) MarkPaid(InvoiceEntity invoice, string? paymentIntentId, DateTime now)
    {
        invoice.StripePaymentIntentId ??= paymentIntentId;
        if (invoice.Status == InvoiceStatus.Paid)
        {
            return (WebhookOutcome.Processed, $"{invoice.Number} already paid");
        }

        if (!invoice.IsOpen)
        {
            return (WebhookOutcome.Ignored, $"{invoice.Number} is {invoice.Status.ToString().ToLowerInvariant()}; payment needs Finance's attention");
        }

        invoice.Status = InvoiceStatus.Paid;
        invoice.PaidAt = now;
        invoice.PaymentError = null;
        return (WebhookOutcome.Processed, $"{invoice.Number} paid");
    }

    private static async Task<InvoiceEntity?> FindAsync(SpeederaDbContext db, Dictionary<string, string>? metadata, string? clientReference, string? paymentIntentId, CancellationToken cancellationToken)
    {
        var idText = metadata is not null && metadata.TryGetValue("invoice_id", out var m) ? m : clientReference;
        if (Guid.TryParse(idText, out var id))
        {
            return await db.Invoices.FirstOrDefaultAsync(i => i.Id == id && i.Kind == InvoiceKind.Invoice, cancellationToken);
        }

        return paymentIntentId is null ? null : await db.Invoices.FirstOrDefaultAsync(i => i.StripePaymentIntentId == paymentIntentId, cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1830, LogLevel.Warning, "Stripe webhook refused: {Reason}")]
        public static partial void Refused(ILogger logger, string reason);

        [LoggerMessage(1831, LogLevel.Information, "Stripe event {EventId} ({Type}) already processed; ignored")]
        public static partial void Duplicate(ILogger logger, string eventId, string type);

        [LoggerMessage(1832, LogLevel.Information, "Stripe event {EventId} ({Type}) ignored: {Detail}")]
        public static partial void Ignored(ILogger logger, string eventId, string type, string detail);

        [LoggerMessage(1833, LogLevel.Information, "Stripe event {EventId} ({Type}) processed: {Detail}")]
        public static partial void Processed(ILogger logger, string eventId, string type, string detail);
    }
}
