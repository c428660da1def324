using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Tests.Integration.Portal;
using Speedera.Web.Features.Billing;

namespace Speedera.Tests.Integration.Billing;

/// <summary>Answers Stripe API calls with recorded responses in-process and keeps every request it saw.</summary>
public sealed class RecordedStripeHandler : HttpMessageHandler
{
    public ConcurrentQueue<(HttpMethod Method, string Path, string? IdempotencyKey, string? Authorization, string Body)> Requests { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Enqueue((request.Method, request.RequestUri!.AbsolutePath,
            request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.First() : null,
            request.Headers.Authorization?.ToString(), body));
        var json = request.RequestUri.AbsolutePath switch
        {
            "/v1/customers" => """{"id":"cus_Recorded01","object":"customer","livemode":false,"name":"Recorded","email":null,"metadata":{}}""",
            "/v1/checkout/sessions" => $$$"""{"id":"cs_test_Recorded01","object":"checkout.session","livemode":false,"mode":"payment","status":"open","payment_status":"unpaid","url":"https://checkout.stripe.com/c/pay/cs_test_Recorded01","expires_at":{{{DateTimeOffset.UtcNow.AddHours(24).ToUnixTimeSeconds()}}},"customer":"cus_Recorded01","metadata":{}}""",
            _ => null,
        };
        var response = new HttpResponseMessage(json is null ? HttpStatusCode.NotFound : HttpStatusCode.OK)
        {
            Content = new StringContent(json ?? """{"error":{"type":"invalid_request_error","message":"Unrecorded path"}}""", Encoding.UTF8, "application/json"),
        };
        response.Headers.Add("Request-Id", "req_recorded");
        return response;
    }
}

/// <summary>The portal with Stripe keys configured and Stripe's API answered by <see cref="RecordedStripeHandler"/>.</summary>
public sealed class StripePortalFactory : PortalFactory
{
    public const string WebhookSecret = "whsec_test_speedera";

    public RecordedStripeHandler Stripe { get; } = new();

    public override string ProviderName => "Sqlite";

    protected override IEnumerable<KeyValuePair<string, string>> DatabaseSettings() =>
    [
        new("Database:Provider", "Sqlite"),
        new("Speedera:Billing:Stripe:SecretKey", "sk_test_recorded"),
        new("Speedera:Billing:Stripe:WebhookSecret", WebhookSecret),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddHttpClient(StripeClientProvider.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Stripe));
    }
}

public sealed class StripeTests(StripePortalFactory factory) : IClassFixture<StripePortalFactory>
{
    private async Task<(Guid Org, Guid Invoice)> IssuedInvoiceAsync(int seed)
    {
        await factory.Service<BillingAdmin>().EnsureDefaultPlanAsync();
        var period = BillingSeed.PeriodMonthsAgo(1);
        var usage = await BillingSeed.OrganizationWithUsageAsync(factory, period, minutes: 3, seed: seed, billingEmail: $"pay{seed}@example.test");
        await factory.Service<BillingRating>().RateAsync(period, usage.OrganizationId);
        var id = await factory.WithDbAsync(db => db.Invoices.Where(i => i.OrganizationId == usage.OrganizationId).Select(i => i.Id).SingleAsync());
        Assert.True((await factory.Service<InvoiceIssuer>().IssueAsync(id, "finance@test")).Succeeded);
        return (usage.OrganizationId, id);
    }

    private async Task<HttpResponseMessage> PostEventAsync(string payload, long? timestamp = null, string secret = StripePortalFactory.WebhookSecret, string? header = null)
    {
        var client = factory.CreateClient();
        using var content = new StringContent(payload, Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = content };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", header ?? StripeWebhookSignature.Header(timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds(), payload, secret));
        return await client.SendAsync(request);
    }

    private static string Event(string id, string type, string dataObject) =>
        $$$"""{"id":"{{{id}}}","object":"event","api_version":"2024-06-20","created":{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}},"livemode":false,"pending_webhooks":1,"type":"{{{type}}}","data":{"object":{{{dataObject}}}}}""";

    private static string Session(Guid invoice, string paymentStatus = "paid") =>
        $$$"""{"id":"cs_test_{{{invoice:N}}}","object":"checkout.session","mode":"payment","status":"complete","payment_status":"{{{paymentStatus}}}","payment_intent":"pi_{{{invoice:N}}}","client_reference_id":"{{{invoice}}}","metadata":{"invoice_id":"{{{invoice}}}"}}""";

    private Task<InvoiceEntity> InvoiceAsync(Guid id) => factory.WithDbAsync(db => db.Invoices.AsNoTracking().SingleAsync(i => i.Id == id));

    [Fact]
    public async Task Pay_by_card_creates_one_customer_and_one_checkout_session_with_idempotency_keys()
    {
        var (org, invoice) = await IssuedInvoiceAsync(901);
        var payments = factory.Service<StripePayments>();

        var first = await payments.StartCheckoutAsync(org, invoice, "http://127.0.0.1:5080");
        var again = await payments.StartCheckoutAsync(org, invoice, "http://127.0.0.1:5080");

        Assert.True(first.Succeeded, first.Message);
        Assert.Equal("https://checkout.stripe.com/c/pay/cs_test_Recorded01", first.Url);
        Assert.Equal(first.Url, again.Url);
        var calls = factory.Stripe.Requests.ToList();
        var customer = Assert.Single(calls, c => c.Path == "/v1/customers");
        var session = Assert.Single(calls, c => c.Path == "/v1/checkout/sessions");
        Assert.Equal($"speedera-customer-{org:N}", customer.IdempotencyKey);
        Assert.Equal($"speedera-checkout-{invoice:N}-first", session.IdempotencyKey);
        Assert.Equal("Bearer sk_test_recorded", session.Authorization);
        var stored = await InvoiceAsync(invoice);
        var form = WebUtility.UrlDecode(session.Body);
        Assert.Contains($"line_items[0][price_data][unit_amount]={StripePayments.MinorUnits(stored.GrossAmount, stored.Currency).ToString(CultureInfo.InvariantCulture)}", form, StringComparison.Ordinal);
        Assert.Contains($"metadata[invoice_id]={invoice}", form, StringComparison.Ordinal);
        Assert.Contains("customer=cus_Recorded01", form, StringComparison.Ordinal);
        Assert.Equal("cs_test_Recorded01", stored.StripeCheckoutSessionId);
        Assert.Equal("cus_Recorded01", await factory.WithDbAsync(db => db.BillingProfiles.Where(p => p.OrganizationId == org).Select(p => p.StripeCustomerId).SingleAsync()));

        // Another organization cannot start a payment of this invoice.
        Assert.False((await payments.StartCheckoutAsync(Guid.NewGuid(), invoice, "http://127.0.0.1:5080")).Succeeded);
    }

    [Fact]
    public async Task Signed_checkout_completed_marks_the_invoice_paid_and_a_replay_changes_nothing()
    {
        var (_, invoice) = await IssuedInvoiceAsync(902);
        var payload = Event("evt_paid_" + invoice.ToString("N"), "checkout.session.completed", Session(invoice));

        var first = await PostEventAsync(payload);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var paid = await InvoiceAsync(invoice);
        Assert.Equal(InvoiceStatus.Paid, paid.Status);
        Assert.NotNull(paid.PaidAt);
        Assert.Equal($"pi_{invoice:N}", paid.StripePaymentIntentId);

        // Finance marks it open again by hand; a replay of the same event must not pay it a second time.
        await factory.WithDbAsync(db => db.Invoices.Where(i => i.Id == invoice).ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InvoiceStatus.Issued)));
        var replay = await PostEventAsync(payload);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("already processed", await replay.Content.ReadAsStringAsync());
        Assert.Equal(InvoiceStatus.Issued, (await InvoiceAsync(invoice)).Status);
        Assert.Equal(1, await factory.WithDbAsync(db => db.StripeEvents.CountAsync(e => e.EventId == "evt_paid_" + invoice.ToString("N"))));
    }

    [Fact]
    public async Task Bad_signatures_and_old_timestamps_are_refused_without_touching_the_invoice()
    {
        var (_, invoice) = await IssuedInvoiceAsync(903);
        var payload = Event("evt_forged_" + invoice.ToString("N"), "checkout.session.completed", Session(invoice));

        var wrongSecret = await PostEventAsync(payload, secret: "whsec_attacker");
        var tampered = await PostEventAsync(payload, header: StripeWebhookSignature.Header(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), payload.Replace("paid", "PAID", StringComparison.Ordinal), StripePortalFactory.WebhookSecret));
        var old = await PostEventAsync(payload, timestamp: DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds());
        var missing = await PostEventAsync(payload, header: "");
        var garbage = await PostEventAsync("not json at all");

        foreach (var response in new[] { wrongSecret, tampered, old, missing, garbage })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Equal("signature tooold", await old.Content.ReadAsStringAsync());
        Assert.Equal(InvoiceStatus.Issued, (await InvoiceAsync(invoice)).Status);
        Assert.Equal(0, await factory.WithDbAsync(db => db.StripeEvents.CountAsync(e => e.EventId == "evt_forged_" + invoice.ToString("N"))));
    }

    [Fact]
    public async Task Unknown_events_and_unknown_invoices_are_acknowledged_and_ignored()
    {
        var unknownType = await PostEventAsync(Event("evt_unknown_" + Guid.NewGuid().ToString("N"), "customer.created", """{"id":"cus_x","object":"customer","metadata":{}}"""));
        var unknownInvoice = await PostEventAsync(Event("evt_noinv_" + Guid.NewGuid().ToString("N"), "checkout.session.completed", Session(Guid.NewGuid())));

        Assert.Equal(HttpStatusCode.OK, unknownType.StatusCode);
        Assert.Contains("not handled", await unknownType.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, unknownInvoice.StatusCode);
        Assert.Equal("no matching invoice", await unknownInvoice.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Failed_payments_are_recorded_and_a_full_refund_reopens_the_invoice()
    {
        var (_, invoice) = await IssuedInvoiceAsync(904);
        var intent = $$$"""{"id":"pi_{{{invoice:N}}}","object":"payment_intent","amount":100,"currency":"eur","status":"requires_payment_method","metadata":{"invoice_id":"{{{invoice}}}"},"last_payment_error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}""";
        Assert.Equal(HttpStatusCode.OK, (await PostEventAsync(Event("evt_fail_" + invoice.ToString("N"), "payment_intent.payment_failed", intent))).StatusCode);
        var failed = await InvoiceAsync(invoice);
        Assert.Equal(InvoiceStatus.Issued, failed.Status);
        Assert.Equal("Your card was declined.", failed.PaymentError);

        Assert.Equal(HttpStatusCode.OK, (await PostEventAsync(Event("evt_ok_" + invoice.ToString("N"), "payment_intent.succeeded", intent.Replace("requires_payment_method", "succeeded", StringComparison.Ordinal)))).StatusCode);
        Assert.Equal(InvoiceStatus.Paid, (await InvoiceAsync(invoice)).Status);

        var charge = $$$"""{"id":"ch_{{{invoice:N}}}","object":"charge","amount":100,"amount_refunded":100,"refunded":true,"currency":"eur","payment_intent":"pi_{{{invoice:N}}}","metadata":{}}""";
        Assert.Equal(HttpStatusCode.OK, (await PostEventAsync(Event("evt_refund_" + invoice.ToString("N"), "charge.refunded", charge))).StatusCode);
        var refunded = await InvoiceAsync(invoice);
        Assert.NotNull(refunded.RefundedAt);
        Assert.Equal(InvoiceStatus.Issued, refunded.Status);
        Assert.Null(refunded.PaidAt);
    }
}
