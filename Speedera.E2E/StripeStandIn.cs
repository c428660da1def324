using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Speedera.Web.Features.Billing;

namespace Speedera.E2E;

/// <summary>
/// A loopback stand-in for Stripe: the REST API the portal calls through Stripe.net (its ApiBase points here),
/// a page that plays Stripe's hosted Checkout page, and signed webhook deliveries to the portal. Nothing leaves
/// 127.0.0.1. The card form is ours only in the test: in production it is Stripe's page.
/// </summary>
public sealed class StripeStandIn : IAsyncDisposable
{
    public const string SecretKey = "sk_test_e2e_standin";
    public const string WebhookSecret = "whsec_e2e_standin";

    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, CheckoutSession> sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> calls = new();
    private int customers;

    private StripeStandIn(WebApplication app) => this.app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Where webhooks go: the portal's base URL, known once it runs.</summary>
    public string? PortalUrl { get; set; }

    /// <summary>API calls seen, as "METHOD /path Idempotency-Key".</summary>
    public IReadOnlyCollection<string> Calls => calls;

    public IReadOnlyCollection<CheckoutSession> Sessions => sessions.Values.ToList();

    public static async Task<StripeStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var stripe = new StripeStandIn(app);
        stripe.Map();
        await app.StartAsync();
        stripe.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return stripe;
    }

    /// <summary>The environment that points the portal's Stripe client and webhook check at this stand-in.</summary>
    public IDictionary<string, string> PortalEnvironment() => new Dictionary<string, string>
    {
        ["Speedera__Billing__Stripe__SecretKey"] = SecretKey,
        ["Speedera__Billing__Stripe__WebhookSecret"] = WebhookSecret,
        ["Speedera__Billing__Stripe__ApiBase"] = BaseUrl,
    };

    /// <summary>Delivers <c>checkout.session.completed</c> for a paid session to the portal, signed as Stripe signs it; returns the HTTP status.</summary>
    public async Task<HttpStatusCode> DeliverCompletedAsync(CheckoutSession session)
    {
        var payload = System.Text.Json.JsonSerializer.Serialize(new
        {
            id = $"evt_{session.Id}", @object = "event", api_version = "2024-06-20", created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), livemode = false,
            pending_webhooks = 1, type = "checkout.session.completed",
            data = new
            {
                @object = new
                {
                    id = session.Id, @object = "checkout.session", mode = "payment", status = "complete", payment_status = "paid", payment_intent = $"pi_{session.Id}",
                    client_reference_id = session.ClientReferenceId, metadata = new Dictionary<string, string> { ["invoice_id"] = session.InvoiceId },
                    amount_total = session.UnitAmount, currency = session.Currency,
                },
            },
        });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{PortalUrl}/webhooks/stripe") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", StripeWebhookSignature.Header(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), payload, WebhookSecret));
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private void Map()
    {
        app.MapPost("/v1/customers", async (HttpContext http) =>
        {
            var form = await Record(http);
            var id = $"cus_standin{Interlocked.Increment(ref customers):D3}";
            return Results.Json(new { id, @object = "customer", livemode = false, name = form["name"].ToString(), email = form["email"].ToString(), metadata = new { } });
        });

        app.MapPost("/v1/checkout/sessions", async (HttpContext http) =>
        {
            var form = await Record(http);
            var session = new CheckoutSession(
                "cs_test_standin" + Guid.NewGuid().ToString("N")[..16],
                form["success_url"].ToString(),
                form["cancel_url"].ToString(),
                form["client_reference_id"].ToString(),
                form["metadata[invoice_id]"].ToString(),
                long.Parse(form["line_items[0][price_data][unit_amount]"].ToString(), CultureInfo.InvariantCulture),
                form["line_items[0][price_data][currency]"].ToString(),
                form["line_items[0][price_data][product_data][name]"].ToString());
            sessions[session.Id] = session;
            var expires = DateTimeOffset.UtcNow.AddHours(24).ToUnixTimeSeconds();
            return Results.Json(new
            {
                id = session.Id, @object = "checkout.session", livemode = false, mode = "payment", status = "open", payment_status = "unpaid",
                url = $"{BaseUrl}/c/pay/{session.Id}", expires_at = expires, customer = form["customer"].ToString(), client_reference_id = session.ClientReferenceId,
                metadata = new { },
            });
        });

        // The hosted payment page as Stripe would show it: what is paid, a card form, a pay button.
        app.MapGet("/c/pay/{id}", (string id) =>
        {
            if (!sessions.TryGetValue(id, out var session))
            {
                return Results.NotFound();
            }

            var amount = WebUtility.HtmlEncode(session.Amount);
            var html = $"""
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pay {WebUtility.HtmlEncode(session.ProductName)}</title>
                <style>body{"{"}font-family:sans-serif;max-width:28rem;margin:3rem auto{"}"}label,input,button{"{"}display:block;width:100%;margin:.4rem 0{"}"}button{"{"}padding:.6rem{"}"}</style></head>
                <body><p>Stripe test checkout (loopback stand-in)</p>
                <h1 data-testid="checkout-product">{WebUtility.HtmlEncode(session.ProductName)}</h1>
                <p data-testid="checkout-amount">{amount}</p>
                <form method="post" action="/c/pay/{id}">
                <label for="card">Card number</label><input id="card" name="card" autocomplete="off" value="4242 4242 4242 4242">
                <button type="submit" data-testid="checkout-pay">Pay {amount}</button></form>
                <p><a href="{WebUtility.HtmlEncode(session.CancelUrl)}">Back</a></p></body></html>
                """;
            return Results.Content(html, "text/html; charset=utf-8");
        });

        app.MapPost("/c/pay/{id}", (string id) =>
        {
            if (!sessions.TryGetValue(id, out var session))
            {
                return Results.NotFound();
            }

            // The card data stays here (as it stays at Stripe); the customer goes back to the portal's success URL.
            session.Paid = true;
            return Results.Redirect(session.SuccessUrl);
        });
    }

    private async Task<IFormCollection> Record(HttpContext http)
    {
        var form = await http.Request.ReadFormAsync();
        calls.Enqueue($"{http.Request.Method} {http.Request.Path} {http.Request.Headers["Idempotency-Key"]} {http.Request.Headers.Authorization}");
        return form;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public sealed record CheckoutSession(string Id, string SuccessUrl, string CancelUrl, string ClientReferenceId, string InvoiceId, long UnitAmount, string Currency, string ProductName)
    {
        public bool Paid { get; set; }

        public string Amount => string.Create(CultureInfo.InvariantCulture, $"{Currency.ToUpperInvariant()} {UnitAmount / 100m:#,##0.00}");
    }
}

/// <summary>The browser fixture with the portal's Stripe client and webhook secret pointed at a <see cref="StripeStandIn"/>.</summary>
public sealed class StripeBrowserFixture : BrowserFixture, IAsyncLifetime
{
    public StripeStandIn Stripe { get; private set; } = default!;

    protected override IDictionary<string, string>? PortalEnvironment => Stripe.PortalEnvironment();

    public override async Task InitializeAsync()
    {
        Stripe = await StripeStandIn.StartAsync();
        await base.InitializeAsync();
        Stripe.PortalUrl = Portal.BaseUrl.TrimEnd('/');
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Stripe.DisposeAsync();
    }
}
