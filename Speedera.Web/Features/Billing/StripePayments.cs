using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;
using Stripe;
using Stripe.Checkout;

namespace Speedera.Web.Features.Billing;

/// <summary>Builds the Stripe client over the named HttpClient "stripe" (the seam tests replace with recorded responses).</summary>
public sealed class StripeClientProvider(IHttpClientFactory httpClients, IOptions<BillingOptions> options)
{
    public const string HttpClientName = "stripe";

    public IStripeClient? Create()
    {
        var stripe = options.Value.Stripe;
        if (!stripe.Enabled)
        {
            return null;
        }

        return new StripeClient(new StripeClientOptions
        {
            ApiKey = stripe.SecretKey,
            HttpClient = new SystemNetHttpClient(httpClients.CreateClient(HttpClientName)),
            ApiBase = string.IsNullOrWhiteSpace(stripe.ApiBase) ? null : stripe.ApiBase,
        });
    }
}

public sealed record CheckoutResult(bool Succeeded, string? Url, string Message);

/// <summary>
/// Card payment through Stripe Checkout: a Stripe customer per organization and a Checkout Session per
/// invoice, both created with idempotency keys, so a double click or a retry never makes two. The card
/// form is Stripe's hosted page: card data never reaches our servers.
/// </summary>
public sealed partial class StripePayments(IServiceScopeFactory scopes, StripeClientProvider clients, TimeProvider time, ILogger<StripePayments> logger)
{
    private static readonly HashSet<string> ZeroDecimalCurrencies = new(StringComparer.OrdinalIgnoreCase) { "JPY", "KRW", "VND", "CLP", "ISK", "HUF" };

    public bool Enabled => clients.Create() is not null;

    public async Task<CheckoutResult> StartCheckoutAsync(Guid organizationId, Guid invoiceId, string returnBaseUrl, CancellationToken cancellationToken = default)
    {
        var client = clients.Create();
        if (client is null)
        {
            return new CheckoutResult(false, null, "Card payment is not configured.");
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var invoice = await db.Invoices.FirstOrDefaultAsync(i => i.Id == invoiceId && i.OrganizationId == organizationId && i.Kind == InvoiceKind.Invoice, cancellationToken);
        if (invoice is null || !invoice.IsOpen)
        {
            return new CheckoutResult(false, null, "Only an open invoice can be paid.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (invoice.StripeCheckoutUrl is { } existing && invoice.StripeCheckoutExpiresAt > now.AddMinutes(5))
        {
            return new CheckoutResult(true, existing, "Continuing the open payment.");
        }

        try
        {
            var customerId = await EnsureCustomerAsync(db, client, organizationId, invoice, cancellationToken);
            var session = await new SessionService(client).CreateAsync(new SessionCreateOptions
            {
                Mode = "payment",
                Customer = customerId,
                ClientReferenceId = invoice.Id.ToString(),
                SuccessUrl = $"{returnBaseUrl.TrimEnd('/')}/invoices?paid={Uri.EscapeDataString(invoice.Number ?? "")}",
                CancelUrl = $"{returnBaseUrl.TrimEnd('/')}/invoices",
                LineItems =
                [
                    new SessionLineItemOptions
                    {
                        Quantity = 1,
                        PriceData = new SessionLineItemPriceDataOptions
                        {
                            Currency = invoice.Currency.ToLowerInvariant(),
                            UnitAmount = MinorUnits(invoice.GrossAmount, invoice.Currency),
                            ProductData = new SessionLineItemPriceDataProductDataOptions { Name = $"Invoice {invoice.Number}" },
                        },
                    },
                ],
                Metadata = Metadata(invoice),
                PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = Metadata(invoice), Description = $"Speedera invoice {invoice.Number}" },
            }, new RequestOptions { IdempotencyKey = $"speedera-checkout-{invoice.Id:N}-{invoice.StripeCheckoutSessionId ?? "first"}" }, cancellationToken);

            invoice.StripeCheckoutSessionId = session.Id;
            invoice.StripeCheckoutUrl = session.Url;
            invoice.StripeCheckoutExpiresAt = session.ExpiresAt == default ? now.AddHours(23) : session.ExpiresAt.ToUniversalTime();
            await db.SaveChangesAsync(cancellationToken);
            Log.CheckoutCreated(logger, session.Id, invoice.Number ?? "");
            return new CheckoutResult(true, session.Url, "Redirecting to Stripe.");
        }
        catch (StripeException ex)
        {
            Log.StripeFailed(logger, invoice.Number ?? "", ex.Message);
            return new CheckoutResult(false, null, "The payment provider did not answer as expected; please try again later.");
        }
    }

    internal static long MinorUnits(decimal amount, string currency) =>
        (long)decimal.Round(ZeroDecimalCurrencies.Contains(currency) ? amount : amount * 100m, MidpointRounding.AwayFromZero);

    private static Dictionary<string, string> Metadata(InvoiceEntity invoice) => new()
    {
        ["invoice_id"] = invoice.Id.ToString(),
        ["invoice_number"] = invoice.Number ?? "",
        ["organization_id"] = invoice.OrganizationId.ToString(),
    };

    private static async Task<string> EnsureCustomerAsync(SpeederaDbContext db, IStripeClient client, Guid organizationId, InvoiceEntity invoice, CancellationToken cancellationToken)
    {
        var profile = await db.BillingProfiles.FirstOrDefaultAsync(p => p.OrganizationId == organizationId, cancellationToken);
        if (profile?.StripeCustomerId is { Length: > 0 } known)
        {
            return known;
        }

        var customer = await new CustomerService(client).CreateAsync(new CustomerCreateOptions
        {
            Name = invoice.CustomerName,
            Email = invoice.CustomerEmail,
            Metadata = new Dictionary<string, string> { ["organization_id"] = organizationId.ToString() },
        }, new RequestOptions { IdempotencyKey = $"speedera-customer-{organizationId:N}" }, cancellationToken);

        if (profile is null)
        {
            profile = new BillingProfileEntity { OrganizationId = organizationId, LegalName = invoice.CustomerName };
            db.BillingProfiles.Add(profile);
        }

        profile.StripeCustomerId = customer.Id;
        return customer.Id;
    }

    private static partial class Log
    {
        [LoggerMessage(1820, LogLevel.Information, "Stripe Checkout Session {SessionId} created for {Number}")]
        public static partial void CheckoutCreated(ILogger logger, string sessionId, string number);

        [LoggerMessage(1821, LogLevel.Warning, "Stripe call for {Number} failed: {Error}")]
        public static partial void StripeFailed(ILogger logger, string number, string error);
    }
}
