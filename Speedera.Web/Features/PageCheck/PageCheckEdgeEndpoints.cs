using Microsoft.AspNetCore.Mvc;
using Speedera.Core.ControlPlane;
using Speedera.Core.PageCheck;
using Speedera.Web.Features.Edge;

namespace Speedera.Web.Features.PageCheck;

/// <summary>The edge API's page-check part: probe nodes long-poll the jobs of their POP; results come back as uploads.</summary>
public static class PageCheckEdgeEndpoints
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    public static void MapPageCheckEdgeEndpoints(this RouteGroupBuilder edgeApi) =>
        edgeApi.MapGet("/page-checks", GetJobsAsync);

    private static async Task<IResult> GetJobsAsync(HttpContext http, PageCheckService checks, PageCheckFeed feed, TimeProvider time, [FromQuery(Name = EdgeApi.WaitParameter)] int? wait, [FromQuery] int? max)
    {
        var nodeId = (string)http.Items[EdgeApiEndpoints.NodeIdItem]!;
        var take = Math.Clamp(max ?? 1, 0, 8);
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(Math.Clamp(wait ?? 0, 0, (int)MaxWait.TotalSeconds));
        while (true)
        {
            // Take the signal before reading, so a check placed in between still wakes us.
            var next = feed.NextAsync();
            var jobs = await checks.ClaimAsync(nodeId, take, http.RequestAborted);
            var left = deadline - time.GetUtcNow();
            if (jobs.Length > 0 || left <= TimeSpan.Zero || take == 0)
            {
                return Results.Json(jobs, PageCheckJson.Default.PageCheckJobArray);
            }

            await Task.WhenAny(next, Task.Delay(left, time, http.RequestAborted));
            if (http.RequestAborted.IsCancellationRequested)
            {
                return Results.Empty;
            }
        }
    }
}
