using Microsoft.AspNetCore.Mvc;
using Speedera.Core.ControlPlane;
using Speedera.Core.Reports;
using Speedera.Web.Features.Edge;

namespace Speedera.Web.Features.Content;

/// <summary>The edge API's purge part: cache nodes long-poll their pending orders and report results.</summary>
public static class PurgeEdgeEndpoints
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    public static void MapPurgeEdgeEndpoints(this RouteGroupBuilder edgeApi)
    {
        edgeApi.MapGet("/purges", GetPendingAsync);
        edgeApi.MapPost("/purges/results", PostResultsAsync);
    }

    private static async Task<IResult> GetPendingAsync(HttpContext http, PurgeService purges, PurgeFeed feed, TimeProvider time, [FromQuery(Name = EdgeApi.WaitParameter)] int? wait)
    {
        var nodeId = (string)http.Items[EdgeApiEndpoints.NodeIdItem]!;
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(Math.Clamp(wait ?? 0, 0, (int)MaxWait.TotalSeconds));
        while (true)
        {
            // Take the signal before reading, so an order placed in between still wakes us.
            var next = feed.NextAsync();
            var pending = await purges.PendingForNodeAsync(nodeId, http.RequestAborted);
            var left = deadline - time.GetUtcNow();
            if (pending.Length > 0 || left <= TimeSpan.Zero)
            {
                return Results.Json(pending, EdgeReportJson.Default.PurgeOrderArray);
            }

            await Task.WhenAny(next, Task.Delay(left, time, http.RequestAborted));
            if (http.RequestAborted.IsCancellationRequested)
            {
                return Results.Empty;
            }
        }
    }

    private static async Task<IResult> PostResultsAsync(HttpContext http, PurgeService purges, Live.LiveFeed live)
    {
        var nodeId = (string)http.Items[EdgeApiEndpoints.NodeIdItem]!;
        Speedera.Core.Cache.PurgeResult[]? results;
        try
        {
            results = await http.Request.ReadFromJsonAsync(EdgeReportJson.Default.PurgeResultArray, http.RequestAborted);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return Results.Problem("The results are not valid JSON: " + ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }

        if (results is null || results.Any(r => r.NodeId != nodeId))
        {
            return Results.Problem("Results must be this node's own.", statusCode: StatusCodes.Status400BadRequest);
        }

        await purges.RecordResultsAsync(nodeId, results, http.RequestAborted);
        live.Publish(Live.LiveTopic.PurgeResults, nodeId);
        return Results.NoContent();
    }
}
