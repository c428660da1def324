using System.Security.Claims;
using Speedera.Core.Gtm;
using Speedera.Web.Features.Account;

namespace Speedera.Web.Features.Gtm.Policy;

/// <summary>
/// Body of the explain request: a client address (resolver) or subnet (ECS), optionally through a resolver; with
/// <see cref="Node"/>, the decision that dns node makes with its own reported metric tables.
/// </summary>
public sealed record ExplainRequest(string Client, string? Resolver, bool Ipv6, string? Node = null);

/// <summary>Region rules, what-if and explain in the customer REST API (and so in its OpenAPI document).</summary>
public static class GtmPolicyEndpoints
{
    public static IServiceCollection AddGtmPolicies(this IServiceCollection services) =>
        services.AddScoped<GtmPolicyService>()
            .AddSingleton<Reports.IUploadConsumer, DnsViewConsumer>();

    public static void MapGtmPolicyApi(RouteGroupBuilder api)
    {
        api.MapGet("/domains/{id:guid}/gtm/regions", async (Guid id, ClaimsPrincipal user, GtmPolicyService policies, CancellationToken ct) =>
            await policies.GetAsync(Org(user), id, ct) is { } policy ? Results.Ok(policy) : NotFound())
            .WithName("GetGtmRegions")
            .WithSummary("The hostname's region rules (continents, ISO 3166 countries, US/CA states → addresses or POPs, in failover order), default targets and geoproximity biases.")
            .Produces<GtmPolicy>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPut("/domains/{id:guid}/gtm/regions", async (Guid id, GtmPolicy policy, ClaimsPrincipal user, GtmPolicyService policies, CancellationToken ct) =>
        {
            var result = await policies.SaveAsync(Org(user), id, policy, user.Identity!.Name!, ct);
            return result.Succeeded
                ? Results.Ok(new Api.PublishedDto(result.PublishedVersion))
                : result.NotFound ? NotFound() : Results.ValidationProblem(result.Errors, detail: result.Message, title: "The request is not valid.");
        })
            .WithName("UpdateGtmRegions")
            .WithSummary("Replaces the region rules and geoproximity settings; every region must resolve to one of the hostname's addresses or POPs. Publishes a new configuration.")
            .Produces<Api.PublishedDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/domains/{id:guid}/gtm/what-if", async (Guid id, WhatIfRequest request, ClaimsPrincipal user, GtmPolicyService policies, CancellationToken ct) =>
            await policies.WhatIfAsync(Org(user), id, request, ct) is { } result ? Results.Ok(result) : NotFound())
            .WithName("SimulateGtmChange")
            .WithSummary("Simulates a pending region policy, failing POPs or failing addresses over the last 24 hours of client groups: queries per address and per POP before and after, and the clients whose answer changes. Nothing is published.")
            .Produces<WhatIfResult>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/domains/{id:guid}/gtm/explain", async (Guid id, ExplainRequest request, ClaimsPrincipal user, GtmPolicyService policies, CancellationToken ct) =>
            await policies.ExplainAsync(Org(user), id, request.Client, request.Resolver, request.Ipv6, request.Node, ct) is { } result ? Results.Ok(result) : NotFound())
            .WithName("ExplainGtmAnswer")
            .WithSummary("The engine's decision for a client address or subnet, step by step (candidates and their health, region, latency, load, weights, persistence, answer), with the probe results the control plane received, or (with 'node') with the service and latency tables that dns node last reported. 'source' says which.")
            .Produces<GtmExplanation>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/gtm/nodes", async (GtmPolicyService policies, CancellationToken ct) => Results.Ok(await policies.NodeViewsAsync(ct)))
            .WithName("ListGtmExplainNodes")
            .WithSummary("The dns nodes whose own metric tables the explainer can use ('node' in an explain request), with when they reported them.")
            .Produces<IReadOnlyList<DnsNodeViewSummary>>();

        api.MapGet("/domains/{id:guid}/gtm/regions/history", async (Guid id, ClaimsPrincipal user, GtmPolicyService policies, CancellationToken ct) =>
            await policies.HistoryAsync(Org(user), id, 100, ct) is { } history ? Results.Ok(history) : NotFound())
            .WithName("GetGtmRegionsHistory")
            .WithSummary("Who changed the hostname's region policy and when, newest first, with the configuration version each change published and the policy after it.")
            .Produces<IReadOnlyList<GtmPolicyChange>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static Guid Org(ClaimsPrincipal user) => user.OrganizationId()!.Value;

    private static IResult NotFound() => Results.Problem("There is no such object in your organization.", statusCode: StatusCodes.Status404NotFound);
}
