using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;

namespace Speedera.Web.Features.Noc;

public sealed record ServerLine(string Name, string Address, bool Enabled, IReadOnlyList<string> Services);

public sealed record PopRow(string Id, string Name, string City, string Country, string Network, double Latitude, double Longitude, IReadOnlyList<ServerLine> Servers);

public enum ProbeState
{
    Up,
    Down,
    Stale,
}

public sealed record ServiceStateRow(string ServerId, string ServiceId, string ProbeNodeId, int Value, ProbeError Error, DateTime MeasuredAt)
{
    public bool Failed => Error != ProbeError.None || Value >= ServiceMetric.FailedValue;

    public ProbeState StateAt(DateTime now, TimeSpan staleAfter) => now - MeasuredAt > staleAfter ? ProbeState.Stale : Failed ? ProbeState.Down : ProbeState.Up;
}

public sealed record ProbeNodeRow(string Id, string PopId, DateTime? LastHeartbeatAt, string ProbeDetail);

public sealed record DecisionRow(string Hostname, string Address, string PopId, string NodeId, long Count);

/// <summary>Read models for the NOC pages. A DbContext per call, so a long-lived circuit never holds one.</summary>
public interface INocQueries
{
    Task<PageResult<PopRow>> PopsAsync(PageQuery query, CancellationToken cancellationToken = default);

    Task<PageResult<ServiceStateRow>> ServiceStatesAsync(PageQuery query, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ProbeNodeRow>> ProbeNodesAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DecisionRow>> RecentDecisionsAsync(TimeSpan window, CancellationToken cancellationToken = default);
}

public sealed class NocQueries(IServiceScopeFactory scopes, TimeProvider time) : INocQueries
{
    /// <summary>How old a probe result may be before the DNS stops trusting it.</summary>
    public static TimeSpan StaleAfter => NetworkConfigurationGenerator.DefaultProbes.MetricStaleAfter;

    private static readonly Dictionary<string, LambdaExpression> PopSort = new(StringComparer.Ordinal)
    {
        [nameof(PopRow.Id)] = QueryPaging.Key((PopEntity p) => p.Id),
        [nameof(PopRow.Name)] = QueryPaging.Key((PopEntity p) => p.Name),
        [nameof(PopRow.City)] = QueryPaging.Key((PopEntity p) => p.City),
        [nameof(PopRow.Country)] = QueryPaging.Key((PopEntity p) => p.Country),
        [nameof(PopRow.Network)] = QueryPaging.Key((PopEntity p) => p.Network),
    };

    private static readonly Dictionary<string, LambdaExpression> StateSort = new(StringComparer.Ordinal)
    {
        [nameof(ServiceStateRow.ServerId)] = QueryPaging.Key((Reports.ServiceStateEntity s) => s.ServerId),
        [nameof(ServiceStateRow.ServiceId)] = QueryPaging.Key((Reports.ServiceStateEntity s) => s.ServiceId),
        [nameof(ServiceStateRow.ProbeNodeId)] = QueryPaging.Key((Reports.ServiceStateEntity s) => s.ProbeNodeId),
        [nameof(ServiceStateRow.Value)] = QueryPaging.Key((Reports.ServiceStateEntity s) => s.Value),
        [nameof(ServiceStateRow.MeasuredAt)] = QueryPaging.Key((Reports.ServiceStateEntity s) => s.MeasuredAt),
    };

    public async Task<PageResult<PopRow>> PopsAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var pops = db.Pops.AsNoTracking();
        if (query.SearchText is { } search)
        {
            pops = pops.Where(p => p.Id.Contains(search) || p.Name.Contains(search) || p.City.Contains(search) || p.Country.Contains(search));
        }

        var total = await pops.CountAsync(cancellationToken);
        var page = await pops.SortBy(query, PopSort, PopSort[nameof(PopRow.Id)]).Skip(query.Skip).Take(query.Take)
            .Include(p => p.Servers).ThenInclude(s => s.Services)
            .ToListAsync(cancellationToken);
        var rows = page.Select(p => new PopRow(
            p.Id, p.Name, p.City, p.Country, p.Network, p.Latitude, p.Longitude,
            p.Servers.OrderBy(s => s.Name, StringComparer.Ordinal)
                .Select(s => new ServerLine(s.Name, s.Address, s.Enabled, s.Services.OrderBy(v => v.Type).Select(v => $"{v.Type.ToString().ToUpperInvariant()}:{v.Port}").ToList()))
                .ToList())).ToList();
        return new PageResult<PopRow>(rows, total);
    }

    public async Task<PageResult<ServiceStateRow>> ServiceStatesAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var states = db.ServiceStates.AsNoTracking();
        if (query.SearchText is { } search)
        {
            states = states.Where(s => s.ServerId.Contains(search) || s.ServiceId.Contains(search) || s.ProbeNodeId.Contains(search));
        }

        var total = await states.CountAsync(cancellationToken);
        var rows = await states.SortBy(query, StateSort, StateSort[nameof(ServiceStateRow.ServerId)])
            .Skip(query.Skip).Take(query.Take)
            .Select(s => new ServiceStateRow(s.ServerId, s.ServiceId, s.ProbeNodeId, s.Value, s.Error, s.MeasuredAt))
            .ToListAsync(cancellationToken);
        return new PageResult<ServiceStateRow>(rows, total);
    }

    public async Task<IReadOnlyList<ProbeNodeRow>> ProbeNodesAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var nodes = await db.EdgeNodes.AsNoTracking().OrderBy(n => n.Id)
            .Select(n => new { n.Id, n.PopId, n.Roles, n.LastHeartbeatAt, n.LastHeartbeat }).ToListAsync(cancellationToken);
        return nodes.Where(n => n.Roles.HasFlag(NodeRoles.Probe))
            .Select(n => new ProbeNodeRow(n.Id, n.PopId, n.LastHeartbeatAt, ProbeDetail(n.LastHeartbeat)))
            .ToList();
    }

    public async Task<IReadOnlyList<DecisionRow>> RecentDecisionsAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var since = time.GetUtcNow().UtcDateTime - window;
        var sums = await db.DecisionCounts.AsNoTracking().Where(d => d.Minute >= since)
            .GroupBy(d => new { d.Hostname, d.Address, d.PopId, d.NodeId })
            .Select(g => new { g.Key.Hostname, g.Key.Address, g.Key.PopId, g.Key.NodeId, Count = g.Sum(d => d.Count) })
            .ToListAsync(cancellationToken);
        return sums.Select(d => new DecisionRow(d.Hostname, d.Address, d.PopId, d.NodeId, d.Count))
            .OrderBy(d => d.Hostname, StringComparer.Ordinal).ThenByDescending(d => d.Count)
            .Take(500)
            .ToList();
    }

    /// <summary>The probe role's status line from a node's last heartbeat JSON.</summary>
    internal static string ProbeDetail(string? heartbeatJson)
    {
        if (heartbeatJson is null)
        {
            return "—";
        }

        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(heartbeatJson);
            if (doc.RootElement.TryGetProperty("health", out var health) && health.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                foreach (var role in health.EnumerateArray())
                {
                    if (role.TryGetProperty("role", out var name) && name.GetString() == "probe")
                    {
                        var status = role.TryGetProperty("status", out var s) ? s.GetString() : null;
                        var detail = role.TryGetProperty("detail", out var d) ? d.GetString() : null;
                        return $"{status}: {detail}";
                    }
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // A truncated heartbeat (kept to 8000 characters) says nothing reliable.
        }

        return "—";
    }
}
