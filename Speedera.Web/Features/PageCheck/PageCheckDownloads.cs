using System.Security.Claims;
using System.Text.Json;
using Speedera.Core.PageCheck;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;

namespace Speedera.Web.Features.PageCheck;

/// <summary>The portal's HAR download (signed-in customers; the API key route is <c>/api/v1/page-checks/{id}/har</c>).</summary>
public static class PageCheckDownloads
{
    public static IEndpointRouteBuilder MapPageCheckDownloads(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/page-check/{id:guid}/har", async (Guid id, string? location, string? view, string? route, ClaimsPrincipal user, PageCheckService checks, CancellationToken ct) =>
        {
            if (user.OrganizationId() is not { } org
                || location is null
                || !Enum.TryParse<PageCheckView>(view ?? "first", ignoreCase: true, out var v)
                || (route is not null && !Enum.TryParse<PageCheckRoute>(route, ignoreCase: true, out _)))
            {
                return Results.NotFound();
            }

            var har = await checks.HarAsync(org, id, location, v, route is null ? null : Enum.Parse<PageCheckRoute>(route, ignoreCase: true), ct);
            return har is null
                ? Results.NotFound()
                : Results.File(JsonSerializer.SerializeToUtf8Bytes(har, PageCheckJson.Default.HarFile), "application/json", $"pagecheck-{id:N}-{location}-{v}-{route ?? "direct"}.har".ToLowerInvariant());
        }).RequireAuthorization(Roles.Policies.Customer);
        return endpoints;
    }
}
