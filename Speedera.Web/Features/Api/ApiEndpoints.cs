using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Speedera.Core.Cache;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Content;
using Speedera.Web.Features.Domains;
using Speedera.Web.Features.Gtm;

namespace Speedera.Web.Features.Api;

public sealed record DomainDto(
    Guid Id,
    string Name,
    string Kind,
    IReadOnlyList<string> Services,
    string Status,
    string? VerificationError,
    DateTime? VerifiedAt,
    string? CnameTarget,
    IReadOnlyList<string> NameServers,
    string? Origin,
    int Addresses,
    bool Serving,
    string? ChallengeRecord = null,
    string? ChallengeValue = null);

public sealed record AddDomainRequest(string Name, string? Kind, bool Cdn, bool Gtm, string? Origin);

public sealed record PurgeNodeDto(string NodeId, string Status, int ObjectsAffected, DateTime? CompletedAt);

public sealed record PurgeDto(Guid Id, string Hostname, string Kind, string Path, string Url, bool Soft, DateTime CreatedAt, string CreatedBy, IReadOnlyList<PurgeNodeDto> Nodes);

public sealed record PurgeApiRequest(string Url, bool Soft);

public sealed record PublishedDto(long? PublishedVersion);

/// <summary>
/// The customer REST API under <c>/api/v1</c>: the same services the pages call, authenticated with
/// the organization's API keys, rate limited per key, errors as RFC 9457 problem details.
/// </summary>
public static class ApiEndpoints
{
    public const string Policy = "ApiCustomer";
    public const string RateLimitPolicy = "api-per-key";

    public static IServiceCollection AddCustomerApi(this IServiceCollection services)
    {
        services.AddScoped<ApiKeyService>();
        services.AddAuthentication().AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireRole(Roles.Customer)
            .RequireClaim(SpeederaClaimsPrincipalFactory.OrganizationClaim)
            .AddRequirements(new ApiKeyScopeRequirement()));
        services.AddHttpContextAccessor();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, ApiKeyScopeHandler>();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiProblems.Customize);

        // Binding failures throw in every environment, so the exception handler answers them as problem details.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        services.AddOpenApi("v1", o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer<CustomerApiDocumentTransformer>();
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? ApiKeyService.Hash(auth) : http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 300, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = async (context, token) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await Results.Problem("Too many requests: at most 300 a minute per API key.", statusCode: 429).ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    public static IEndpointRouteBuilder MapCustomerApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi("/api/{documentName}/openapi.json").AllowAnonymous();
        var api = endpoints.MapGroup("/api/v1")
            .RequireAuthorization(Policy)
            .RequireRateLimiting(RateLimitPolicy)
            .DisableAntiforgery()
            .WithTags(CustomerApiDocumentTransformer.Tag)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapGet("/domains", async (ClaimsPrincipal user, DomainService domains, CancellationToken ct) =>
            TypedResults.Ok((await domains.ListAsync(Org(user), ct)).Select(h => ToDto(h, domains)).ToList()))
            .WithName("ListDomains")
            .WithSummary("Every hostname of the key's organization.");

        api.MapPost("/domains", async (AddDomainRequest request, ClaimsPrincipal user, DomainService domains, CancellationToken ct) =>
        {
            var kind = request.Kind?.ToLowerInvariant() switch
            {
                null or "" or "servicezone" or "service-zone" => HostnameKind.ServiceZone,
                "customerowned" or "customer-owned" or "own" => HostnameKind.CustomerOwned,
                _ => (HostnameKind?)null,
            };
            if (kind is null)
            {
                return Problem(DomainResult.Invalid("Kind", "Kind must be service-zone or customer-owned."));
            }

            var result = await domains.AddAsync(Org(user), new AddDomainInput { Name = request.Name ?? "", Kind = kind.Value, Cdn = request.Cdn, Gtm = request.Gtm, Origin = request.Origin }, user.Identity!.Name!, ct);
            if (!result.Succeeded)
            {
                return Problem(result);
            }

            var created = await domains.FindAsync(Org(user), result.Id!.Value, ct);
            return Results.Created($"/api/v1/domains/{result.Id}", ToDto(created!, domains));
        })
            .WithName("AddDomain")
            .WithSummary("Registers a hostname: a name under the service zone, or the customer's own name to CNAME or delegate.")
            .Produces<DomainDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem();

        api.MapGet("/domains/{id:guid}", async (Guid id, ClaimsPrincipal user, DomainService domains, CancellationToken ct) =>
            await domains.FindAsync(Org(user), id, ct) is { } h ? Results.Ok(ToDto(h, domains)) : NotFound())
            .WithName("GetDomain")
            .WithSummary("One hostname of the key's organization, with its verification state.")
            .Produces<DomainDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapDelete("/domains/{id:guid}", async (Guid id, ClaimsPrincipal user, DomainService domains, CancellationToken ct) =>
        {
            var result = await domains.DeleteAsync(Org(user), id, user.Identity!.Name!, ct);
            return result.Succeeded ? Results.NoContent() : Problem(result);
        })
            .WithName("DeleteDomain")
            .WithSummary("Removes a hostname and publishes a configuration without it.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/domains/{id:guid}/verify", async (Guid id, ClaimsPrincipal user, DomainService domains, CancellationToken ct) =>
        {
            var result = await domains.VerifyAsync(Org(user), id, user.Identity!.Name!, ct);
            return result.Succeeded ? Results.Ok(ToDto((await domains.FindAsync(Org(user), id, ct))!, domains)) : Problem(result);
        })
            .WithName("VerifyDomain")
            .WithSummary("Looks up the hostname's CNAME or NS records now and updates its verification state.")
            .Produces<DomainDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/domains/{id:guid}/gtm", async (Guid id, ClaimsPrincipal user, DomainService domains, CancellationToken ct) =>
            await domains.FindAsync(Org(user), id, ct) is { } h ? Results.Ok(GtmSettingsInput.From(h)) : NotFound())
            .WithName("GetGtmSettings")
            .WithSummary("The hostname's traffic management settings.")
            .Produces<GtmSettingsInput>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPut("/domains/{id:guid}/gtm", async (Guid id, GtmSettingsInput settings, ClaimsPrincipal user, DomainService domains, CancellationToken ct) =>
        {
            var result = await domains.UpdateGtmAsync(Org(user), id, settings, user.Identity!.Name!, ct);
            return result.Succeeded ? Results.Ok(new PublishedDto(result.PublishedVersion)) : Problem(result);
        })
            .WithName("UpdateGtmSettings")
            .WithSummary("Replaces the traffic management settings: addresses, service test, weights, failover, persistence, TTL. Publishes a new configuration.")
            .Produces<PublishedDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        Gtm.Policy.GtmPolicyEndpoints.MapGtmPolicyApi(api);

        api.MapGet("/domains/{id:guid}/live", async (Guid id, ClaimsPrincipal user, DomainService domains, ILiveStateSource live, CancellationToken ct) =>
            await domains.FindAsync(Org(user), id, ct) is { } h ? Results.Ok(await live.ForHostnameAsync(h, ct)) : NotFound())
            .WithName("GetLiveState")
            .WithSummary("Per address: up, down or stale from the probes, last response time, and the POPs handing it out.")
            .Produces<IReadOnlyList<AddressLiveState>>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/domains/{id:guid}/cdn", async (Guid id, ClaimsPrincipal user, DomainService domains, CancellationToken ct) =>
            await domains.FindAsync(Org(user), id, ct) is { } h ? Results.Ok(CdnSettingsInput.From(h)) : NotFound())
            .WithName("GetCdnSettings")
            .WithSummary("The hostname's content delivery settings: origin, scheme, port, Host header, default TTL.")
            .Produces<CdnSettingsInput>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPut("/domains/{id:guid}/cdn", async (Guid id, CdnSettingsInput settings, ClaimsPrincipal user, DomainService domains, CancellationToken ct) =>
        {
            var result = await domains.UpdateCdnAsync(Org(user), id, settings, user.Identity!.Name!, ct);
            return result.Succeeded ? Results.Ok(new PublishedDto(result.PublishedVersion)) : Problem(result);
        })
            .WithName("UpdateCdnSettings")
            .WithSummary("Replaces the content delivery settings. Publishes a new configuration.")
            .Produces<PublishedDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/domains/{id:guid}/purges", async (Guid id, PurgeApiRequest request, ClaimsPrincipal user, PurgeService purges, CancellationToken ct) =>
        {
            var result = await purges.PurgeAsync(Org(user), id, new PurgeRequest(request.Url, request.Soft), user.Identity!.Name!, ct);
            return result.Succeeded
                ? Results.Accepted($"/api/v1/purges/{result.Id}", ToDto((await purges.FindAsync(Org(user), result.Id!.Value, ct))!))
                : Problem(result);
        })
            .WithName("OrderPurge")
            .WithSummary("Orders a purge of one URL, a directory (ending in /) or the whole site on every cache node.")
            .Produces<PurgeDto>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/domains/{id:guid}/purges", async (Guid id, ClaimsPrincipal user, DomainService domains, PurgeService purges, CancellationToken ct) =>
            await domains.FindAsync(Org(user), id, ct) is null
                ? NotFound()
                : Results.Ok((await purges.HistoryAsync(Org(user), id, ct)).Select(ToDto).ToList()))
            .WithName("ListPurges")
            .WithSummary("The hostname's latest purge orders, newest first, with their status on each cache node.")
            .Produces<List<PurgeDto>>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/purges/{id:guid}", async (Guid id, ClaimsPrincipal user, PurgeService purges, CancellationToken ct) =>
            await purges.FindAsync(Org(user), id, ct) is { } p ? Results.Ok(ToDto(p)) : NotFound())
            .WithName("GetPurge")
            .WithSummary("A purge order with its status on each cache node.")
            .Produces<PurgeDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        Traffic.TrafficEndpoints.MapTrafficApi(api);
        PageCheck.PageCheckApiEndpoints.MapPageCheckApi(api);

        return endpoints;
    }

    private static Guid Org(ClaimsPrincipal user) => user.OrganizationId()!.Value;

    private static IResult NotFound() => Results.Problem("There is no such object in your organization.", statusCode: StatusCodes.Status404NotFound);

    private static IResult Problem(DomainResult result) => result.NotFound
        ? NotFound()
        : Results.ValidationProblem(result.Errors, detail: result.Message, title: "The request is not valid.");

    private static DomainDto ToDto(HostnameEntity h, DomainService domains) => new(
        h.Id,
        h.Name,
        h.Kind == HostnameKind.ServiceZone ? "service-zone" : "customer-owned",
        [.. new[] { h.Services.HasFlag(HostnameServices.Cdn) ? "cdn" : null, h.Services.HasFlag(HostnameServices.Gtm) ? "gtm" : null }.OfType<string>()],
        h.Verification.ToString().ToLowerInvariant(),
        h.VerificationError,
        h.VerifiedAt,
        h.Alias,
        h.Kind == HostnameKind.CustomerOwned ? domains.NameServers() : [],
        h.Origin,
        h.Addresses.Count,
        h.Verification == VerificationState.Active && Configuration.NetworkConfigurationGenerator.IsPublishable(h),
        h.Kind == HostnameKind.CustomerOwned ? DnsVerifier.ChallengeName(h.Name) : null,
        h.Kind == HostnameKind.CustomerOwned && h.ChallengeToken.Length > 0 ? DnsVerifier.ChallengeValue(h.ChallengeToken) : null);

    private static PurgeDto ToDto(PurgeOrderEntity p) => new(
        p.Id,
        p.Hostname,
        p.Kind.ToString().ToLowerInvariant(),
        p.Path,
        p.Url,
        p.Soft,
        p.CreatedAt,
        p.CreatedBy,
        [.. p.Nodes.OrderBy(n => n.NodeId).Select(n => new PurgeNodeDto(n.NodeId, n.Status.ToString().ToLowerInvariant(), n.ObjectsAffected, n.CompletedAt))]);
}
