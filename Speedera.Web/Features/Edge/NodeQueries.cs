using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Speedera.Core.Configuration;
using Speedera.Core.ControlPlane;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Edge;

/// <summary>One edge node as the NOC's node grid and the rollout table show it.</summary>
public sealed record NodeRow(
    string Id,
    string PopId,
    NodeRoles Roles,
    DateTime? LastHeartbeatAt,
    long? RunningVersion,
    HeartbeatReport? Heartbeat,
    IReadOnlyList<EdgeNodeKeyEntity> ActiveKeys);

/// <summary>Which nodes run which configuration version.</summary>
public sealed record RolloutRow(long? Version, IReadOnlyList<string> NodeIds);

/// <summary>Read models for the live NOC pages. A DbContext per call, so a long-lived circuit never holds one.</summary>
public sealed class NodeQueries(IServiceScopeFactory scopes)
{
    private static readonly Dictionary<string, LambdaExpression> Sort = new(StringComparer.Ordinal)
    {
        [nameof(NodeRow.Id)] = QueryPaging.Key((EdgeNodeEntity n) => n.Id),
        [nameof(NodeRow.PopId)] = QueryPaging.Key((EdgeNodeEntity n) => n.PopId),
        [nameof(NodeRow.LastHeartbeatAt)] = QueryPaging.Key((EdgeNodeEntity n) => n.LastHeartbeatAt),
        [nameof(NodeRow.RunningVersion)] = QueryPaging.Key((EdgeNodeEntity n) => n.RunningVersion),
    };

    public async Task<PageResult<NodeRow>> NodesAsync(PageQuery query, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var nodes = db.EdgeNodes.AsNoTracking();
        if (query.SearchText is { } search)
        {
            nodes = nodes.Where(n => n.Id.Contains(search) || n.PopId.Contains(search));
        }

        var total = await nodes.CountAsync(cancellationToken);
        var page = await nodes.SortBy(query, Sort, Sort[nameof(NodeRow.Id)]).Skip(query.Skip).Take(query.Take)
            .Include(n => n.Keys)
            .ToListAsync(cancellationToken);
        return new PageResult<NodeRow>(page.Select(ToRow).ToList(), total);
    }

    /// <summary>The newest published version, or null before the first publish.</summary>
    public async Task<long?> LatestVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        return await db.ConfigVersions.MaxAsync(v => (long?)v.Version, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> PopIdsAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        return await db.Pops.AsNoTracking().OrderBy(p => p.Id).Select(p => p.Id).ToListAsync(cancellationToken);
    }

    /// <summary>Every node grouped by the version it last reported running, newest version first (never-reported last).</summary>
    public async Task<IReadOnlyList<RolloutRow>> RolloutAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var nodes = await db.EdgeNodes.AsNoTracking().Select(n => new { n.Id, n.RunningVersion }).ToListAsync(cancellationToken);
        return nodes.GroupBy(n => n.RunningVersion)
            .OrderByDescending(g => g.Key ?? long.MinValue)
            .Select(g => new RolloutRow(g.Key, g.Select(n => n.Id).Order(StringComparer.Ordinal).ToList()))
            .ToList();
    }

    private static NodeRow ToRow(EdgeNodeEntity n) => new(
        n.Id,
        n.PopId,
        n.Roles,
        n.LastHeartbeatAt,
        n.RunningVersion,
        Parse(n.LastHeartbeat),
        n.Keys.Where(k => k.RevokedAt is null).OrderBy(k => k.IssuedAt).ToList());

    private static HeartbeatReport? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, EdgeApiJsonContext.Default.HeartbeatReport);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
