using System.Security.Claims;
using System.Text;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Api;

namespace Speedera.Web.Features.Billing;

public sealed record InvoiceLineDto(int Position, string Kind, string? Region, string Description, decimal Quantity, string Unit, decimal UnitPrice, decimal Amount, decimal VatRatePercent);

public sealed record VatDto(decimal RatePercent, decimal TaxableAmount, decimal VatAmount);

public sealed record InvoiceDto(
    Guid Id,
    string Kind,
    string? Number,
    string Status,
    DateTime PeriodStart,
    DateTime PeriodEnd,
    DateTime? IssuedAt,
    DateTime? DueAt,
    DateTime? PaidAt,
    string Currency,
    decimal NetAmount,
    decimal VatAmount,
    decimal GrossAmount,
    string? CreditedInvoiceNumber,
    string? TaxNote,
    IReadOnlyList<InvoiceLineDto>? Lines = null,
    IReadOnlyList<VatDto>? Vat = null);

/// <summary>Billing's HTTP surface: the customer API, PDF downloads for the pages, and Stripe's webhook.</summary>
public static class BillingEndpoints
{
    public static IEndpointRouteBuilder MapBilling(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/invoices")
            .RequireAuthorization(ApiEndpoints.Policy)
            .RequireRateLimiting(ApiEndpoints.RateLimitPolicy)
            .DisableAntiforgery()
            .WithTags(CustomerApiDocumentTransformer.Tag)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapGet("", async (ClaimsPrincipal user, BillingQueries queries, CancellationToken ct) =>
            {
                var page = await queries.InvoicesAsync(InvoiceFilter.All, new PageQuery(0, PageQuery.MaxPageSize), Org(user), ct);
                return TypedResults.Ok(page.Items.Select(ToDto).ToList());
            })
            .WithName("ListInvoices")
            .WithSummary("The organization's issued invoices and credit notes, newest period first (drafts are not shown).");

        api.MapGet("/{id:guid}", async Task<Microsoft.AspNetCore.Http.HttpResults.Results<Microsoft.AspNetCore.Http.HttpResults.Ok<InvoiceDto>, Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>> (Guid id, ClaimsPrincipal user, BillingQueries queries, CancellationToken ct) =>
            {
                var invoice = await queries.InvoiceAsync(id, Org(user), ct);
                return invoice is null ? TypedResults.Problem("No such invoice.", statusCode: StatusCodes.Status404NotFound) : TypedResults.Ok(ToDto(invoice));
            })
            .WithName("GetInvoice")
            .WithSummary("One invoice or credit note with its lines and VAT per rate.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{id:guid}/pdf", async (Guid id, ClaimsPrincipal user, InvoiceIssuer issuer, CancellationToken ct) =>
                await PdfResultAsync(issuer, id, Org(user), ct))
            .WithName("GetInvoicePdf")
            .WithSummary("The invoice as issued, as a PDF.")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf")
            .ProducesProblem(StatusCodes.Status404NotFound);

        // Cookie-authenticated downloads for the portal pages.
        endpoints.MapGet("/invoices/{id:guid}/pdf", async (Guid id, ClaimsPrincipal user, InvoiceIssuer issuer, CancellationToken ct) =>
                user.OrganizationId() is { } org ? await PdfResultAsync(issuer, id, org, ct) : Results.NotFound())
            .RequireAuthorization(Roles.Policies.CustomerBilling)
            .ExcludeFromDescription();
        endpoints.MapGet("/finance/invoices/{id:guid}/pdf", async (Guid id, InvoiceIssuer issuer, CancellationToken ct) =>
                await PdfResultAsync(issuer, id, null, ct))
            .RequireAuthorization(Roles.Policies.Finance)
            .ExcludeFromDescription();

        endpoints.MapPost("/webhooks/stripe", async (HttpRequest request, StripeWebhook webhook, CancellationToken ct) =>
            {
                if (request.ContentLength > StripeWebhook.MaxPayloadBytes)
                {
                    return Results.Text("payload too large", statusCode: StatusCodes.Status413PayloadTooLarge);
                }

                using var reader = new StreamReader(request.Body, Encoding.UTF8);
                var buffer = new char[StripeWebhook.MaxPayloadBytes + 1];
                var read = await reader.ReadBlockAsync(buffer, ct);
                if (read > StripeWebhook.MaxPayloadBytes)
                {
                    return Results.Text("payload too large", statusCode: StatusCodes.Status413PayloadTooLarge);
                }

                var result = await webhook.HandleAsync(new string(buffer, 0, read), request.Headers["Stripe-Signature"].ToString(), ct);
                return Results.Text(result.Detail, statusCode: result.StatusCode);
            })
            .AllowAnonymous()
            .DisableAntiforgery()
            .ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> PdfResultAsync(InvoiceIssuer issuer, Guid id, Guid? org, CancellationToken ct)
    {
        var pdf = await issuer.PdfAsync(id, org, ct);
        return pdf is null
            ? Results.Problem("No such invoice.", statusCode: StatusCodes.Status404NotFound)
            : Results.File(pdf, "application/pdf", $"invoice-{id:N}.pdf");
    }

    private static Guid Org(ClaimsPrincipal user) => user.OrganizationId() ?? throw new InvalidOperationException("API principal without organization");

    internal static InvoiceDto ToDto(InvoiceRow r) => new(r.Id, Kind(r.Kind), r.Number, Status(r.Status), r.PeriodStart, default, r.IssuedAt, r.DueAt, null, r.Currency, r.NetAmount,
        r.GrossAmount - r.NetAmount, r.GrossAmount, r.CreditedInvoiceNumber, null);

    internal static InvoiceDto ToDto(InvoiceEntity i)
    {
        var totals = InvoiceMath.Totals(i);
        return new InvoiceDto(i.Id, Kind(i.Kind), i.Number, Status(i.Status), i.PeriodStart, i.PeriodEnd, i.IssuedAt, i.DueAt, i.PaidAt, i.Currency, totals.Net, totals.VatTotal, totals.Gross,
            i.CreditedInvoiceNumber, i.TaxNote,
            i.Lines.OrderBy(l => l.Position).Select(l => new InvoiceLineDto(l.Position, l.Kind.ToString(), l.Region?.ToString(), l.Description, l.Quantity, l.Unit, l.UnitPrice, l.Amount, l.VatRatePercent)).ToList(),
            totals.Vat.Select(v => new VatDto(v.RatePercent, v.TaxableAmount, v.VatAmount)).ToList());
    }

    private static string Kind(InvoiceKind kind) => kind == InvoiceKind.CreditNote ? "credit-note" : "invoice";

    private static string Status(InvoiceStatus status) => status.ToString().ToLowerInvariant();
}
