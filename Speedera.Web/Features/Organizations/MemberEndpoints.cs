using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Api;

namespace Speedera.Web.Features.Organizations;

public sealed record MemberDto(string Id, string Email, string? DisplayName, string Role, bool TwoFactorEnabled, DateTime CreatedAt);

public sealed record InvitationDto(Guid Id, string Email, string Role, DateTime CreatedAt, string CreatedBy, DateTime ExpiresAt);

public sealed record InviteMemberRequest(string Email, string? Role);

/// <summary>
/// Organization members in the customer API (<c>/api/v1/organization</c>): the same <see cref="OrganizationService"/>
/// as the Members page. Reading needs any key of the organization; changes need a full key created by one of its
/// current owners, since the page lets only owners manage members (a technical member's key must not).
/// </summary>
public static class MemberEndpoints
{
    public static IEndpointRouteBuilder MapOrganizationApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1/organization")
            .RequireAuthorization(ApiEndpoints.Policy)
            .RequireRateLimiting(ApiEndpoints.RateLimitPolicy)
            .DisableAntiforgery()
            .WithTags(CustomerApiDocumentTransformer.Tag)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapGet("/members", async (ClaimsPrincipal user, OrganizationService organizations, CancellationToken ct) =>
                TypedResults.Ok((await organizations.MembersAsync(Org(user), ct)).Select(ToDto).ToList()))
            .WithName("ListMembers")
            .WithSummary("The people of the key's organization with their roles (owner, technical, billing).");

        api.MapGet("/invitations", async (ClaimsPrincipal user, OrganizationService organizations, CancellationToken ct) =>
                TypedResults.Ok((await organizations.PendingInvitationsAsync(Org(user), ct)).Select(ToDto).ToList()))
            .WithName("ListInvitations")
            .WithSummary("Invitations sent and not yet accepted, withdrawn or expired.");

        api.MapPost("/invitations", async (InviteMemberRequest request, HttpRequest http, ClaimsPrincipal user, OrganizationService organizations, SpeederaDbContext db, CancellationToken ct) =>
            {
                if (await OwnerKeyProblemAsync(user, db, ct) is { } refused)
                {
                    return refused;
                }

                if (!TryRole(request.Role ?? "technical", out var role))
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["role"] = ["Role must be owner, technical or billing."] }, title: "The request is not valid.");
                }

                var email = request.Email ?? "";
                var baseUri = new Uri($"{http.Scheme}://{http.Host}{http.PathBase}/");
                var (result, _) = await organizations.InviteAsync(Org(user), email, role, Author(user), baseUri, ct);
                if (!result.Succeeded)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [result.Error!] }, detail: result.Error, title: "The request is not valid.");
                }

                var sent = (await organizations.PendingInvitationsAsync(Org(user), ct)).First(i => string.Equals(i.Email, email.Trim(), StringComparison.OrdinalIgnoreCase));
                return Results.Created($"/api/v1/organization/invitations/{sent.Id}", ToDto(sent));
            })
            .WithName("InviteMember")
            .WithSummary("Invites someone by e-mail: they get a single-use link that expires, to sign up or sign in and join with the given role.")
            .WithDescription("Needs a full key created by an owner of the organization; any other key gets 403.")
            .Produces<InvitationDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem();

        api.MapDelete("/invitations/{id:guid}", async (Guid id, ClaimsPrincipal user, OrganizationService organizations, SpeederaDbContext db, CancellationToken ct) =>
                await OwnerKeyProblemAsync(user, db, ct) is { } refused ? refused
                : await organizations.RevokeInvitationAsync(Org(user), id, ct) ? Results.NoContent()
                : NotFound())
            .WithName("WithdrawInvitation")
            .WithSummary("Withdraws a pending invitation: its link stops working.")
            .WithDescription("Needs a full key created by an owner of the organization; any other key gets 403.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapDelete("/members/{id}", async (string id, ClaimsPrincipal user, OrganizationService organizations, SpeederaDbContext db, CancellationToken ct) =>
            {
                if (await OwnerKeyProblemAsync(user, db, ct) is { } refused)
                {
                    return refused;
                }

                // Another organization's member is no different from no member at all.
                if (!await db.Users.AnyAsync(u => u.Id == id && u.OrganizationId == Org(user), ct))
                {
                    return NotFound();
                }

                var result = await organizations.RemoveAsync(Org(user), id, ct);
                return result.Succeeded
                    ? Results.NoContent()
                    : Results.Problem(result.Error, statusCode: StatusCodes.Status409Conflict, title: "The member cannot be removed.");
            })
            .WithName("RemoveMember")
            .WithSummary("Removes a member: they lose access to the organization at once and their sessions end. The last owner stays (409).")
            .WithDescription("Needs a full key created by an owner of the organization; any other key gets 403.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return endpoints;
    }

    /// <summary>403 unless the key's author is, now, an owner of the key's organization.</summary>
    private static async Task<IResult?> OwnerKeyProblemAsync(ClaimsPrincipal user, SpeederaDbContext db, CancellationToken ct)
    {
        var author = user.FindFirstValue(ApiKeyAuthenticationHandler.CreatorClaim);
        var organization = Org(user);
        var normalized = author?.ToUpperInvariant();
        var owner = normalized is not null && await db.Users.AnyAsync(
            u => u.NormalizedEmail == normalized && u.OrganizationId == organization && (u.OrganizationRole == null || u.OrganizationRole == OrganizationRole.Owner), ct);
        return owner ? null : Results.Problem("Member changes need an API key created by an owner of the organization.", statusCode: StatusCodes.Status403Forbidden);
    }

    private static bool TryRole(string text, out OrganizationRole role) =>
        Enum.TryParse(text, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(text, out _);

    private static Guid Org(ClaimsPrincipal user) => user.OrganizationId()!.Value;

    private static string Author(ClaimsPrincipal user) => user.FindFirstValue(ApiKeyAuthenticationHandler.CreatorClaim) ?? user.Identity?.Name ?? "API";

    private static IResult NotFound() => Results.Problem("There is no such object in your organization.", statusCode: StatusCodes.Status404NotFound);

    private static string RoleText(OrganizationRole role) => role.ToString().ToLowerInvariant();

    private static MemberDto ToDto(MemberView m) => new(m.UserId, m.Email, m.DisplayName, RoleText(m.Role), m.TwoFactorEnabled, m.CreatedAt);

    private static InvitationDto ToDto(InvitationView i) => new(i.Id, i.Email, RoleText(i.Role), i.CreatedAt, i.CreatedBy, i.ExpiresAt);
}
