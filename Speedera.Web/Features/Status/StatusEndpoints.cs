using System.Net;
using System.Net.Mail;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Speedera.Core.Status;
using Speedera.Web.Data;
using Speedera.Web.Features.Email;
using Speedera.Web.Features.Incidents;

namespace Speedera.Web.Features.Status;

/// <summary>
/// The status site's endpoints: the signed bundle for edge nodes (long-poll), the same files on the portal under
/// <c>/status</c>, and e-mail subscriptions (double opt-in, one-click unsubscribe).
/// </summary>
public static class StatusEndpoints
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    /// <summary>Maps <c>GET /api/edge/v1/status-site</c> into the authenticated edge group.</summary>
    public static void MapStatusSiteEdgeEndpoint(RouteGroupBuilder edgeApi) =>
        edgeApi.MapGet("/status-site", async (HttpContext http, StatusSiteFeed feed, [FromQuery(Name = Core.ControlPlane.EdgeApi.WaitParameter)] int? wait) =>
        {
            var ifNoneMatch = http.Request.Headers.IfNoneMatch.ToString();
            var timeout = TimeSpan.FromSeconds(Math.Clamp(wait ?? 0, 0, (int)MaxWait.TotalSeconds));
            var latest = timeout == TimeSpan.Zero
                ? (feed.Latest is { } l && l.ETag != ifNoneMatch ? l : null)
                : await feed.WaitForChangeAsync(string.IsNullOrEmpty(ifNoneMatch) ? null : ifNoneMatch, timeout, http.RequestAborted);
            if (latest is null)
            {
                return feed.Latest is null
                    ? Results.Problem("The status site has not been rendered yet.", statusCode: StatusCodes.Status404NotFound)
                    : Results.StatusCode(StatusCodes.Status304NotModified);
            }

            http.Response.Headers[HeaderNames.ETag] = latest.ETag;
            http.Response.Headers[HeaderNames.CacheControl] = "no-store";
            return Results.Bytes(latest.EnvelopeBytes, "application/json");
        });

    public static IEndpointRouteBuilder MapStatusSite(this IEndpointRouteBuilder endpoints)
    {
        var status = endpoints.MapGroup("/status").AllowAnonymous();
        // The page's links are relative (the same files serve the edge's "/"), so the portal's copy lives at "/status/".
        status.MapGet("/", (HttpContext http, StatusSiteFeed feed) => http.Request.Path.Value?.EndsWith('/') == true
            ? File(feed, StatusSite.PagePath)
            : Results.Redirect(http.Request.PathBase + http.Request.Path + "/"));
        status.MapGet(StatusSite.StylesheetPath, (StatusSiteFeed feed) => File(feed, StatusSite.StylesheetPath));
        status.MapGet(StatusSite.RssPath, (StatusSiteFeed feed) => File(feed, StatusSite.RssPath));
        status.MapGet(StatusSite.AtomPath, (StatusSiteFeed feed) => File(feed, StatusSite.AtomPath));
        status.MapGet(StatusSite.SummaryPath, (StatusSiteFeed feed) => File(feed, StatusSite.SummaryPath));
        // The form sits on the static status site (another origin, no antiforgery token possible); double opt-in
        // keeps a stranger's address from being subscribed.
        status.MapPost("/subscribe", SubscribeAsync).DisableAntiforgery();
        status.MapGet("/confirm", ConfirmAsync);
        status.MapGet("/unsubscribe", UnsubscribeAsync);
        status.MapPost("/unsubscribe", UnsubscribeAsync).DisableAntiforgery();
        return endpoints;
    }

    private static IResult File(StatusSiteFeed feed, string path) =>
        feed.Latest?.File(path) is { } file
            ? Results.Bytes(file.Body, file.ContentType)
            : Results.Problem("The status site has not been rendered yet.", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static async Task<IResult> SubscribeAsync(HttpContext http, SpeederaDbContext db, Outbox outbox, IOptions<AlertOptions> options, TimeProvider time)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var email = form["email"].ToString().Trim();
        if (email.Length is 0 or > 256 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
        {
            return Page("Subscription", "That is not an e-mail address.", StatusCodes.Status400BadRequest);
        }

        var components = string.Join(' ', form["components"].SelectMany(c => (c ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)).Distinct().Order(StringComparer.Ordinal));
        var subscriber = await db.StatusSubscribers.FirstOrDefaultAsync(s => s.Email == email, http.RequestAborted);
        if (subscriber is null)
        {
            subscriber = new StatusSubscriberEntity
            {
                Id = Guid.NewGuid(), Email = email, Components = components, ConfirmToken = Token(), UnsubscribeToken = Token(),
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.StatusSubscribers.Add(subscriber);
        }
        else
        {
            subscriber.Components = components;
        }

        await db.SaveChangesAsync(http.RequestAborted);
        if (subscriber.ConfirmedAt is null)
        {
            var link = StatusLinks.Confirm(options.Value, subscriber.ConfirmToken);
            await outbox.EnqueueAsync(email, "Confirm your Speedera status subscription",
                $"Someone asked to receive Speedera status updates at this address. To confirm, open:\n\n{link}\n\nIf it was not you, ignore this mail; nothing will be sent.\n",
                $"<p>Someone asked to receive Speedera status updates at this address.</p><p><a href=\"{WebUtility.HtmlEncode(link)}\">Confirm the subscription</a></p><p>If it was not you, ignore this mail; nothing will be sent.</p>",
                http.RequestAborted);
        }

        // The same answer whether or not the address was known: the form does not reveal subscribers.
        return Page("Subscription", "Check your mailbox: we sent a link to confirm the subscription.", StatusCodes.Status200OK);
    }

    private static async Task<IResult> ConfirmAsync(string? token, SpeederaDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var subscriber = string.IsNullOrEmpty(token) ? null : await db.StatusSubscribers.FirstOrDefaultAsync(s => s.ConfirmToken == token, cancellationToken);
        if (subscriber is null)
        {
            return Page("Subscription", "This confirmation link is not valid (any more).", StatusCodes.Status404NotFound);
        }

        subscriber.ConfirmedAt ??= time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return Page("Subscription", "Subscribed: you will receive Speedera status updates by e-mail.", StatusCodes.Status200OK);
    }

    private static async Task<IResult> UnsubscribeAsync(string? token, SpeederaDbContext db, CancellationToken cancellationToken)
    {
        var removed = string.IsNullOrEmpty(token) ? 0 : await db.StatusSubscribers.Where(s => s.UnsubscribeToken == token).ExecuteDeleteAsync(cancellationToken);
        return Page("Unsubscribed", removed > 0 ? "You will receive no more status mail." : "This address was not subscribed (any more).", StatusCodes.Status200OK);
    }

    private static string Token() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static IResult Page(string title, string message, int status) =>
        Results.Content($"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)}</title><link rel=\"stylesheet\" href=\"/status/status.css\"></head><body><main><h1>{WebUtility.HtmlEncode(title)}</h1><p data-testid=\"message\">{WebUtility.HtmlEncode(message)}</p></main></body></html>",
            "text/html; charset=utf-8", statusCode: status);
}

public static class NocOperationsServiceCollectionExtensions
{
    /// <summary>Alerts, incidents, notifications and the status site.</summary>
    public static IServiceCollection AddNocOperations(this IServiceCollection services)
    {
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.EvaluationInterval > TimeSpan.Zero && o.HeartbeatMissingAfter > TimeSpan.Zero && o.RateWindow > TimeSpan.Zero,
                "Speedera:Alerts intervals must be positive, e.g. EvaluationInterval 00:00:05.")
            .Validate(o => Uri.TryCreate(o.StatusSiteUrl, UriKind.Absolute, out _) && Uri.TryCreate(o.PortalUrl, UriKind.Absolute, out _),
                "Speedera:Alerts:StatusSiteUrl and PortalUrl must be absolute URLs.")
            .ValidateOnStart();
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<StatusSiteSignal>();
        services.AddSingleton<StatusSiteFeed>();
        services.AddSingleton<ControlPlaneOutageRecorder>();
        services.AddScoped<Notifier>();
        services.AddScoped<IncidentService>();
        services.AddScoped<MaintenanceService>();
        services.AddScoped<WebhookService>();
        services.AddSingleton<Noc.WallBoard.WallBoardQueries>();
        services.AddSingleton<AlertEvaluator>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertEvaluator>());
        services.AddSingleton<StatusSitePublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusSitePublisher>());
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        return services;
    }
}
