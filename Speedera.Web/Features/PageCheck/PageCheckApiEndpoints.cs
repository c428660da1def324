using System.Security.Claims;
using Speedera.Core.PageCheck;
using Speedera.Web.Features.Account;

namespace Speedera.Web.Features.PageCheck;

public sealed record PageCheckApiRequest(string Url, IReadOnlyList<string> Locations, bool RepeatView, bool CompareWithOrigin, bool FullRender = false);

public sealed record PageCheckViewDto(string View, string Route, DateTimeOffset StartedAt, string? Error, PageCheckSummary Summary, IReadOnlyList<PageCheckRequest> Requests, RenderMetrics? Render);

public sealed record PageCheckLocationDto(string Location, string Name, string Status, string? NodeId, DateTime? ClaimedAt, DateTime? CompletedAt, DateTime Deadline, string? Error, IReadOnlyList<PageCheckViewDto> Views);

public sealed record PageCheckDto(Guid Id, string Url, string? CdnHostname, bool RepeatView, bool CompareWithOrigin, bool FullRender, DateTime CreatedAt, string CreatedBy, bool Finished, IReadOnlyList<PageCheckLocationDto> Locations);

/// <summary>The customer API's page checks: place one, read it (with every request's timings), export a view as HAR 1.2.</summary>
public static class PageCheckApiEndpoints
{
    public static void MapPageCheckApi(this RouteGroupBuilder api)
    {
        api.MapPost("/page-checks", async (PageCheckApiRequest request, ClaimsPrincipal user, PageCheckService checks, HttpContext http, CancellationToken ct) =>
        {
            var placed = await checks.PlaceAsync(Org(user), user.Identity!.Name!, new PageCheckInput(request.Url, request.Locations ?? [], request.RepeatView, request.CompareWithOrigin, request.FullRender), ct);
            if (placed.RateLimited)
            {
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((placed.RetryAfter ?? TimeSpan.FromSeconds(60)).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Results.Problem(placed.Message, statusCode: StatusCodes.Status429TooManyRequests);
            }

            return placed.Id is { } id
                ? Results.Accepted($"/api/v1/page-checks/{id}", ToDto((await checks.FindAsync(Org(user), id, ct))!))
                : Results.ValidationProblem(placed.Errors, detail: placed.Message, title: "The request is not valid.");
        })
            .WithName("PlacePageCheck")
            .WithSummary("Checks a page from the given locations (POP ids): first view, optionally a repeat view, and for one of your CDN hostnames optionally through our CDN and straight from the origin.")
            .Produces<PageCheckDto>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapGet("/page-checks/{id:guid}", async (Guid id, ClaimsPrincipal user, PageCheckService checks, CancellationToken ct) =>
            await checks.FindAsync(Org(user), id, ct) is { } details ? Results.Ok(ToDto(details)) : NotFound())
            .WithName("GetPageCheck")
            .WithSummary("A page check with each location's status and, once uploaded, its views with every request's timings.")
            .Produces<PageCheckDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/page-checks/{id:guid}/har", async (Guid id, string? location, string? view, string? route, ClaimsPrincipal user, PageCheckService checks, CancellationToken ct) =>
        {
            if (!await checks.ExistsAsync(Org(user), id, ct))
            {
                return NotFound();
            }

            if (location is null)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["location"] = ["location is the POP id of one of the check's locations."] });
            }

            if (!TryParse<PageCheckView>(view ?? "first", out var v) || !TryParse<PageCheckRoute>(route, out var r, optional: true))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["view"] = ["view is first or repeat; route is cdn, origin or direct."] });
            }

            var har = await checks.HarAsync(Org(user), id, location, v, route is null ? null : r, ct);
            return har is null
                ? Results.Problem("There is no such check, location or view in your organization.", statusCode: StatusCodes.Status404NotFound)
                : Results.Json(har, PageCheckJson.Default.HarFile, contentType: "application/json");
        })
            .WithName("GetPageCheckHar")
            .WithSummary("One location's view of a check as an HTTP Archive (HAR 1.2). view: first or repeat; route: cdn, origin or direct (default: the first route).")
            .Produces<HarFile>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static bool TryParse<T>(string? text, out T value, bool optional = false)
        where T : struct, Enum
    {
        value = default;
        return (optional && text is null) || Enum.TryParse(text, ignoreCase: true, out value);
    }

    private static Guid Org(ClaimsPrincipal user) => user.OrganizationId()!.Value;

    private static IResult NotFound() => Results.Problem("There is no such object in your organization.", statusCode: StatusCodes.Status404NotFound);

    public static PageCheckDto ToDto(PageCheckDetails d) => new(
        d.Check.Id,
        d.Check.Url,
        d.Check.CdnHostname,
        d.Check.RepeatView,
        d.Check.CompareWithOrigin,
        d.Check.FullRender,
        d.Check.CreatedAt,
        d.Check.CreatedBy,
        d.Finished,
        [.. d.Locations.Select(l => new PageCheckLocationDto(
            l.PopId,
            l.PopName,
            l.Status.ToString().ToLowerInvariant(),
            l.NodeId,
            l.ClaimedAt,
            l.CompletedAt,
            l.Deadline,
            l.Error,
            [.. (l.Result?.Views ?? []).Select(v => new PageCheckViewDto(v.View.ToString().ToLowerInvariant(), v.Route.ToString().ToLowerInvariant(), v.StartedAt, v.Error, v.Summary, v.Requests, v.Render))]))]);
}
