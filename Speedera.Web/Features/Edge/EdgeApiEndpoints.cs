using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Speedera.Core.ControlPlane;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;

namespace Speedera.Web.Features.Edge;

/// <summary>
/// The control plane's edge API. Every request carries <c>Authorization: Node id:key</c>; the
/// node id is then available as <see cref="NodeIdItem"/> in <c>HttpContext.Items</c>.
/// </summary>
public static partial class EdgeApiEndpoints
{
    internal const string NodeIdItem = "speedera.edge.node-id";
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    public static IEndpointRouteBuilder MapEdgeApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/edge/v1")
            .AddEndpointFilter(AuthenticateNodeAsync)
            .DisableAntiforgery()
            .AllowAnonymous();

        api.MapGet("/config", GetConfigAsync);
        api.MapPost("/heartbeat", PostHeartbeatAsync);
        api.MapPost("/uploads/{kind}", PostUploadsAsync);
        api.MapGet("/geodata", Gtm.Geo.GeoDataService.GetForNode);
        Content.PurgeEdgeEndpoints.MapPurgeEdgeEndpoints(api);
        Status.StatusEndpoints.MapStatusSiteEdgeEndpoint(api);
        Traffic.RealtimeEndpoints.MapRealtimeIngest(api);
        PageCheck.PageCheckEdgeEndpoints.MapPageCheckEdgeEndpoints(api);
        endpoints.MapConfigurationDownloads();
        return endpoints;
    }

    private static async ValueTask<object?> AuthenticateNodeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var failures = http.RequestServices.GetRequiredService<Hosting.AuthenticationFailureLimiter>();
        if (!EdgeApi.TryParseAuthorization(http.Request.Headers.Authorization, out var nodeId, out var key))
        {
            if (http.Request.Headers.Authorization.Count > 0)
            {
                failures.RecordFailure(http.Connection.RemoteIpAddress);
            }

            return Unauthorized(http, "Send Authorization: Node <node-id>:<key>.");
        }

        var nodes = http.RequestServices.GetRequiredService<EdgeNodeService>();
        if (!await nodes.AuthenticateAsync(nodeId, key, http.RequestAborted))
        {
            failures.RecordFailure(http.Connection.RemoteIpAddress);
            return Unauthorized(http, "Unknown node or revoked key.");
        }

        http.Items[NodeIdItem] = nodeId;
        return await next(context);
    }

    private static IResult Unauthorized(HttpContext http, string detail)
    {
        http.Response.Headers.WWWAuthenticate = EdgeApi.AuthorizationScheme;
        return Results.Problem(detail, statusCode: StatusCodes.Status401Unauthorized);
    }

    private static async Task<IResult> GetConfigAsync(HttpContext http, ConfigurationFeed feed, [FromQuery(Name = EdgeApi.WaitParameter)] int? wait)
    {
        var ifNoneMatch = http.Request.Headers.IfNoneMatch.ToString();
        var timeout = TimeSpan.FromSeconds(Math.Clamp(wait ?? 0, 0, (int)MaxWait.TotalSeconds));
        PublishedConfiguration? latest;
        if (timeout == TimeSpan.Zero)
        {
            latest = await feed.GetLatestAsync(http.RequestAborted);
            if (latest is not null && latest.ETag == ifNoneMatch)
            {
                latest = null;
            }
        }
        else
        {
            latest = await feed.WaitForChangeAsync(string.IsNullOrEmpty(ifNoneMatch) ? null : ifNoneMatch, timeout, http.RequestAborted);
        }

        if (latest is null)
        {
            if (await feed.GetLatestAsync(http.RequestAborted) is null)
            {
                return Results.Problem("Nothing has been published yet.", statusCode: StatusCodes.Status404NotFound);
            }

            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        http.Response.Headers[HeaderNames.ETag] = latest.ETag;
        http.Response.Headers[HeaderNames.CacheControl] = "no-store";
        return Results.Bytes(latest.EnvelopeBytes, "application/json");
    }

    private static async Task<IResult> PostHeartbeatAsync(HttpContext http, SpeederaDbContext db, TimeProvider time, Live.LiveFeed live)
    {
        var nodeId = (string)http.Items[NodeIdItem]!;
        HeartbeatReport? report;
        try
        {
            report = await http.Request.ReadFromJsonAsync(EdgeApiJsonContext.Default.HeartbeatReport, http.RequestAborted);
        }
        catch (JsonException ex)
        {
            return Results.Problem("The heartbeat is not valid JSON: " + ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }

        if (report is null || report.NodeId != nodeId)
        {
            return Results.Problem("The heartbeat's nodeId must be the authenticated node.", statusCode: StatusCodes.Status400BadRequest);
        }

        var node = await db.EdgeNodes.FirstAsync(n => n.Id == nodeId, http.RequestAborted);
        node.LastHeartbeatAt = time.GetUtcNow().UtcDateTime;
        node.RunningVersion = report.RunningVersion;
        node.RunningHash = report.RunningHash;
        var json = JsonSerializer.Serialize(report, EdgeApiJsonContext.Default.HeartbeatReport);
        node.LastHeartbeat = json.Length <= 8000 ? json : json[..8000];
        if (report.Counters is { } counters)
        {
            // Cumulative counters: the alert rules take rates from differences between samples.
            db.NodeCounterSamples.Add(new Incidents.NodeCounterSampleEntity
            {
                NodeId = nodeId,
                At = node.LastHeartbeatAt.Value,
                DnsQueries = counters.GetValueOrDefault(HeartbeatCounters.DnsQueries),
                DnsServFail = counters.GetValueOrDefault(HeartbeatCounters.DnsServFail),
                DnsRefused = counters.GetValueOrDefault(HeartbeatCounters.DnsRefused),
            });
        }

        await db.SaveChangesAsync(http.RequestAborted);
        if (report.ControlPlaneUnreachable is { Count: > 0 } unreachable)
        {
            await http.RequestServices.GetRequiredService<Status.ControlPlaneOutageRecorder>().RecordAsync(db, unreachable, http.RequestAborted);
        }

        live.Publish(Live.LiveTopic.Heartbeat, nodeId);
        return Results.NoContent();
    }

    private static async Task<IResult> PostUploadsAsync(HttpContext http, string kind, SpeederaDbContext db, TimeProvider time, IEnumerable<Reports.IUploadConsumer> consumers, Live.LiveFeed live)
    {
        var nodeId = (string)http.Items[NodeIdItem]!;
        if (!UploadKinds.IsValid(kind))
        {
            return Results.Problem($"Upload kind '{kind}' is not valid.", statusCode: StatusCodes.Status400BadRequest);
        }

        UploadBatch? batch;
        try
        {
            batch = await http.Request.ReadFromJsonAsync(EdgeApiJsonContext.Default.UploadBatch, http.RequestAborted);
        }
        catch (JsonException ex)
        {
            return Results.Problem("The batch is not valid JSON: " + ex.Message, statusCode: StatusCodes.Status400BadRequest);
        }

        if (batch is null || batch.NodeId != nodeId || batch.Kind != kind)
        {
            return Results.Problem("The batch's nodeId and kind must match the authenticated node and the URL.", statusCode: StatusCodes.Status400BadRequest);
        }

        var sequences = batch.Records.Select(r => r.Sequence).Distinct().ToList();
        var seen = await db.EdgeUploads.AsNoTracking()
            .Where(u => u.NodeId == nodeId && sequences.Contains(u.Sequence))
            .Select(u => u.Sequence).ToListAsync(http.RequestAborted);
        var known = seen.ToHashSet();
        var now = time.GetUtcNow().UtcDateTime;
        var accepted = 0;

        // Consumers write in bulk with their own statements: one transaction keeps them and the dedup rows together.
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(http.RequestAborted) : null;
        foreach (var record in batch.Records)
        {
            if (!known.Add(record.Sequence))
            {
                continue;
            }

            db.EdgeUploads.Add(new EdgeUploadEntity
            {
                NodeId = nodeId,
                Sequence = record.Sequence,
                Kind = kind,
                EnqueuedAt = record.EnqueuedAt.UtcDateTime,
                ReceivedAt = now,
                Payload = record.Payload.GetRawText(),
            });
            foreach (var consumer in consumers.Where(c => c.Kind == kind))
            {
                try
                {
                    await consumer.ConsumeAsync(nodeId, record.Payload, db, http.RequestAborted);
                }
                catch (JsonException ex)
                {
                    // Kept raw for inspection; a malformed report never blocks the node's spool.
                    LogMalformedReport(http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(EdgeApiEndpoints)), nodeId, kind, record.Sequence, ex.Message);
                }
            }

            accepted++;
        }

        try
        {
            await db.SaveChangesAsync(http.RequestAborted);
            if (transaction is not null)
            {
                await transaction.CommitAsync(http.RequestAborted);
            }
        }
        catch (DbUpdateException)
        {
            // A concurrent resend of the same batch won the race; the node resends and gets duplicates counted.
            return Results.Problem("Concurrent upload of the same records; retry.", statusCode: StatusCodes.Status409Conflict);
        }

        if (accepted > 0 && Live.LiveTopics.ForUploadKind(kind) is { } topic)
        {
            live.Publish(topic, nodeId);
        }

        return Results.Json(new UploadAck(accepted, batch.Records.Count - accepted), EdgeApiJsonContext.Default.UploadAck);
    }

    [LoggerMessage(EventId = 3210, Level = LogLevel.Warning, Message = "Node {NodeId} sent a malformed {Kind} report (sequence {Sequence}): {Error}")]
    private static partial void LogMalformedReport(ILogger logger, string nodeId, string kind, long sequence, string error);
}
