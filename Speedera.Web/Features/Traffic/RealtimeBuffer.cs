using System.Text.Json;
using Speedera.Core.Reports;
using Speedera.Web.Features.Live;

namespace Speedera.Web.Features.Traffic;

/// <summary>One second of traffic: requests and bytes, in total and per POP.</summary>
public sealed record RealtimeSecond(DateTimeOffset Time, long Requests, long Bytes, IReadOnlyDictionary<string, (long Requests, long Bytes)> Pops);

/// <summary>
/// The last seconds of cache traffic as cache nodes report them every second, in memory only (the live view needs
/// nothing older than <see cref="Window"/>; minute rollups carry the durable figures). Each portal instance keeps what
/// the nodes sent it; behind a load balancer the panel shows what its instance received.
/// </summary>
public sealed class RealtimeBuffer(TimeProvider time, LiveFeed live)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(120);
    private readonly Lock _gate = new();
    private readonly Dictionary<(long Second, string Hostname, string PopId, string NodeId), (long Requests, long Bytes)> _cells = [];

    public void Add(RealtimeReport report)
    {
        long oldest = time.GetUtcNow().ToUnixTimeSeconds() - (long)Window.TotalSeconds - 5;
        lock (_gate)
        {
            foreach (var row in report.Rows)
            {
                if (row.Second < oldest)
                {
                    continue;
                }

                var key = (row.Second, row.Hostname, report.PopId, report.NodeId);
                var (r, b) = _cells.GetValueOrDefault(key);
                _cells[key] = (r + row.Requests, b + row.BytesToClients);
            }

            if (_cells.Count > 0)
            {
                foreach (var key in _cells.Keys.Where(k => k.Second < oldest).ToList())
                {
                    _cells.Remove(key);
                }
            }
        }

        live.Publish(LiveTopic.Realtime, report.NodeId);
    }

    /// <summary>The last <see cref="Window"/> ending at the last finished second, every second present (zeros where idle).</summary>
    public IReadOnlyList<RealtimeSecond> Snapshot(IReadOnlyCollection<string>? hostnames)
    {
        long last = time.GetUtcNow().ToUnixTimeSeconds() - 2;
        long first = last - (long)Window.TotalSeconds + 1;
        var perSecond = new Dictionary<long, Dictionary<string, (long Requests, long Bytes)>>();
        lock (_gate)
        {
            foreach (var ((second, hostname, pop, _), (requests, bytes)) in _cells)
            {
                if (second < first || second > last || (hostnames is not null && !hostnames.Contains(hostname)))
                {
                    continue;
                }

                if (!perSecond.TryGetValue(second, out var pops))
                {
                    perSecond[second] = pops = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
                }

                var (r, b) = pops.GetValueOrDefault(pop);
                pops[pop] = (r + requests, b + bytes);
            }
        }

        var result = new List<RealtimeSecond>((int)(last - first + 1));
        for (long s = first; s <= last; s++)
        {
            var pops = perSecond.GetValueOrDefault(s) ?? new Dictionary<string, (long, long)>();
            result.Add(new RealtimeSecond(DateTimeOffset.FromUnixTimeSeconds(s), pops.Values.Sum(p => p.Item1), pops.Values.Sum(p => p.Item2), pops));
        }

        return result;
    }
}

public static class RealtimeEndpoints
{
    /// <summary>POST /api/edge/v1/realtime (inside the edge API group, so the node is authenticated).</summary>
    public static void MapRealtimeIngest(RouteGroupBuilder edgeApi) =>
        edgeApi.MapPost("/realtime", async (HttpContext http, RealtimeBuffer buffer) =>
        {
            var nodeId = (string)http.Items[Edge.EdgeApiEndpoints.NodeIdItem]!;
            RealtimeReport? report;
            try
            {
                report = await http.Request.ReadFromJsonAsync(RealtimeJson.Default.RealtimeReport, http.RequestAborted);
            }
            catch (JsonException ex)
            {
                return Results.Problem("The report is not valid JSON: " + ex.Message, statusCode: StatusCodes.Status400BadRequest);
            }

            if (report is null || report.NodeId != nodeId || report.Rows.Count > RealtimeReport.MaxRows)
            {
                return Results.Problem($"The report's nodeId must be the authenticated node, with at most {RealtimeReport.MaxRows} rows.", statusCode: StatusCodes.Status400BadRequest);
            }

            buffer.Add(report);
            return Results.NoContent();
        });
}
