using System.Globalization;
using System.Security.Claims;
using System.Text;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Reports;

namespace Speedera.Web.Features.Traffic;

/// <summary>One interval of a domain's cache traffic as the REST API returns it.</summary>
public sealed record TrafficPointDto(
    DateTimeOffset Time,
    long Requests,
    long BytesToClients,
    long BytesFromOrigin,
    long Hits,
    long Misses,
    long Status2xx,
    long Status3xx,
    long Status4xx,
    long Status5xx,
    double RequestsPerSecond,
    double? HitRatio,
    double? Offload);

/// <summary>What a POP served for the domain over the whole window.</summary>
public sealed record PopTotalDto(string PopId, long Requests, long BytesToClients);

public sealed record TrafficDto(Guid DomainId, string Domain, DateTimeOffset From, DateTimeOffset To, int StepSeconds, IReadOnlyList<TrafficPointDto> Points, IReadOnlyList<PopTotalDto> Pops);

/// <summary>How often the traffic manager answered with an address in an interval, and why.</summary>
public sealed record DecisionPointDto(DateTimeOffset Time, string Hostname, string Address, string PopId, string Reason, long Count);

public sealed record DecisionsDto(Guid DomainId, string Domain, DateTimeOffset From, DateTimeOffset To, int StepSeconds, IReadOnlyList<DecisionPointDto> Points);

/// <summary>
/// Traffic data outside the pages: CSV files of exactly what a graph plots (cookie login, like the pages), and the
/// customer REST API's <c>/domains/{id}/traffic</c> and <c>/decisions</c> (API key), both tenant-isolated.
/// </summary>
public static class TrafficEndpoints
{
    public const int MaxPoints = 20_000;

    public static IEndpointRouteBuilder MapTrafficExports(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/traffic/export/{id:guid}", async (Guid id, string? chart, string? range, string? to, string? tz, ClaimsPrincipal user, TrafficService traffic, CancellationToken ct) =>
        {
            if (user.OrganizationId() is not { } org || await traffic.FindAsync(org, id, ct) is not { } subject)
            {
                return Results.NotFound();
            }

            return await ExportAsync(traffic, subject, chart, range, to, tz, ct);
        }).RequireAuthorization(Roles.Policies.Customer).ExcludeFromDescription();

        endpoints.MapGet("/noc/traffic/export", (string? chart, string? range, string? to, string? tz, TrafficService traffic, CancellationToken ct) =>
            ExportAsync(traffic, null, chart, range, to, tz, ct))
            .RequireAuthorization(Roles.Policies.Noc).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> ExportAsync(TrafficService traffic, TrafficSubject? subject, string? chart, string? range, string? to, string? tz, CancellationToken ct)
    {
        var r = TrafficRanges.Parse(range);
        DateTimeOffset? end = DateTimeOffset.TryParse(to, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
        var zone = string.IsNullOrEmpty(tz) ? "UTC" : tz;
        PlottedTable? table = null;
        if (chart is not null && TrafficCharts.UsageCharts.Contains(chart))
        {
            table = TrafficCharts.Usage(await traffic.UsageReportAsync(subject, r, zone, end, cancellationToken: ct), chart);
        }
        else if (chart is not null && TrafficCharts.DecisionCharts.Contains(chart))
        {
            table = TrafficCharts.Decisions(await traffic.DecisionReportAsync(subject, r, zone, end, cancellationToken: ct), chart);
        }

        if (table is null)
        {
            return Results.Problem($"Unknown chart '{chart}'.", statusCode: StatusCodes.Status400BadRequest);
        }

        var name = $"{subject?.Name ?? "network"}-{table.Id}-{r.Code()}.csv";
        return Results.File(Encoding.UTF8.GetBytes(table.ToCsv()), "text/csv; charset=utf-8", name);
    }

    /// <summary>Adds the traffic endpoints to the customer API group (keyed, rate limited, in the OpenAPI document).</summary>
    public static void MapTrafficApi(RouteGroupBuilder api)
    {
        api.MapGet("/domains/{id:guid}/traffic", async (Guid id, string? from, string? to, string? step, string? format, HttpContext http, ClaimsPrincipal user, TrafficService traffic, ITrafficStore store, CancellationToken ct) =>
        {
            if (await traffic.FindAsync(user.OrganizationId()!.Value, id, ct) is not { } subject)
            {
                return NotFound();
            }

            if (Window(from, to, step, traffic) is not { } w)
            {
                return WindowProblem();
            }

            var series = await store.UsageAsync(new TrafficQuery(subject.Names, w.From, w.To, w.Step), ct);
            var times = TrafficService.Times(series.From, series.To, series.Step);
            var byTime = series.Points.GroupBy(p => p.Time).ToDictionary(g => g.Key, g => g.ToList());
            var points = times.Select(t =>
            {
                var list = byTime.GetValueOrDefault(t) ?? [];
                var duration = t + series.Step > series.To ? series.To - t : series.Step;
                var b = new TrafficBucket(t, duration < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : duration,
                    list.Sum(p => p.Requests), list.Sum(p => p.BytesToClients), list.Sum(p => p.BytesFromOrigin), list.Sum(p => p.Hits), list.Sum(p => p.Misses),
                    list.Sum(p => p.Status2xx), list.Sum(p => p.Status3xx), list.Sum(p => p.Status4xx), list.Sum(p => p.Status5xx));
                return new TrafficPointDto(t, b.Requests, b.BytesToClients, b.BytesFromOrigin, b.Hits, b.Misses, b.Status2xx, b.Status3xx, b.Status4xx, b.Status5xx,
                    Math.Round(b.RequestsPerSecond, 4), b.HitRatio is { } h ? Math.Round(h, 2) : null, b.Offload is { } o ? Math.Round(o, 2) : null);
            }).ToList();
            var pops = series.Points.GroupBy(p => p.Key).Select(g => new PopTotalDto(g.Key, g.Sum(p => p.Requests), g.Sum(p => p.BytesToClients)))
                .OrderByDescending(p => p.BytesToClients).ThenBy(p => p.PopId, StringComparer.Ordinal).ToList();
            var dto = new TrafficDto(subject.Id, subject.Name, series.From, series.To, (int)series.Step.TotalSeconds, points, pops);
            if (!WantsCsv(http, format))
            {
                return Results.Ok(dto);
            }

            var csv = new StringBuilder("time,requests,bytes_to_clients,bytes_from_origin,hits,misses,status_2xx,status_3xx,status_4xx,status_5xx,requests_per_second,hit_ratio,offload\r\n");
            foreach (var p in points)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{Csv.Time(p.Time)},{p.Requests},{p.BytesToClients},{p.BytesFromOrigin},{p.Hits},{p.Misses},{p.Status2xx},{p.Status3xx},{p.Status4xx},{p.Status5xx},{Csv.Number(p.RequestsPerSecond)},{Csv.Number(p.HitRatio)},{Csv.Number(p.Offload)}\r\n");
            }

            return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
        })
            .WithName("GetDomainTraffic")
            .WithSummary("Cache traffic of one hostname per interval: requests, bytes to clients and from origin, hits, misses, status classes, and totals per POP. from/to are ISO 8601 (default: the last 24 hours), step is seconds or 1m/5m/1h/1d (default 5m; data older than 48 hours has hourly resolution). JSON, or CSV with Accept: text/csv or format=csv.")
            .Produces<TrafficDto>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/domains/{id:guid}/decisions", async (Guid id, string? from, string? to, string? step, string? format, HttpContext http, ClaimsPrincipal user, TrafficService traffic, ITrafficStore store, CancellationToken ct) =>
        {
            if (await traffic.FindAsync(user.OrganizationId()!.Value, id, ct) is not { } subject)
            {
                return NotFound();
            }

            if (Window(from, to, step, traffic) is not { } w)
            {
                return WindowProblem();
            }

            var series = await store.DecisionsAsync(new TrafficQuery(subject.Names, w.From, w.To, w.Step), ct);
            var points = series.Points.Select(p => new DecisionPointDto(p.Time, p.Hostname, p.Address, p.PopId, TrafficService.ReasonName(p.Reason), p.Count)).ToList();
            if (!WantsCsv(http, format))
            {
                return Results.Ok(new DecisionsDto(subject.Id, subject.Name, series.From, series.To, (int)series.Step.TotalSeconds, points));
            }

            var csv = new StringBuilder("time,hostname,address,pop,reason,count\r\n");
            foreach (var p in points)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{Csv.Time(p.Time)},{Csv.Field(p.Hostname)},{Csv.Field(p.Address)},{Csv.Field(p.PopId)},{Csv.Field(p.Reason)},{p.Count}\r\n");
            }

            return Results.Text(csv.ToString(), "text/csv; charset=utf-8");
        })
            .WithName("GetDomainDecisions")
            .WithSummary("Traffic-management answers of one hostname per interval: how often each address (in which POP) was handed out, and the engine's reason (Latency, Load, Persistence, StaticMapping, HiddenFailover, ...). Same from/to/step/format as /traffic.")
            .Produces<DecisionsDto>(StatusCodes.Status200OK, "application/json", "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    internal static (DateTimeOffset From, DateTimeOffset To, TimeSpan Step)? Window(string? from, string? to, string? step, TrafficService traffic)
    {
        var now = traffic.Now;
        DateTimeOffset end = now;
        if (!string.IsNullOrEmpty(to) && !DateTimeOffset.TryParse(to, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out end))
        {
            return null;
        }

        DateTimeOffset start = end - TimeSpan.FromDays(1);
        if (!string.IsNullOrEmpty(from) && !DateTimeOffset.TryParse(from, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out start))
        {
            return null;
        }

        TimeSpan width = TimeSpan.FromMinutes(5);
        if (!string.IsNullOrEmpty(step) && ParseStep(step) is not { } parsedStep)
        {
            return null;
        }
        else if (!string.IsNullOrEmpty(step))
        {
            width = ParseStep(step)!.Value;
        }

        if (end <= start || width < TimeSpan.FromMinutes(1) || (end - start) > TimeSpan.FromDays(400) || (end - start) / width > MaxPoints)
        {
            return null;
        }

        return (start, end, width);
    }

    internal static TimeSpan? ParseStep(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (text.Length >= 2 && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return text[^1] switch
            {
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
        }

        return null;
    }

    private static bool WantsCsv(HttpContext http, string? format) =>
        string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
        || (format is null && http.Request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true));

    private static IResult NotFound() => Results.Problem("There is no such object in your organization.", statusCode: StatusCodes.Status404NotFound);

    private static IResult WindowProblem() => Results.Problem(
        $"from and to must be ISO 8601 times with from before to (at most 400 days apart); step must be at least 60 seconds (e.g. 300, 5m, 1h) and give at most {MaxPoints} intervals.",
        statusCode: StatusCodes.Status400BadRequest);
}
