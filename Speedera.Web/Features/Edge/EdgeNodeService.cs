using Microsoft.EntityFrameworkCore;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Edge;

/// <summary>A node key as shown once when issued.</summary>
public sealed record IssuedNodeKey(Guid KeyId, string NodeId, string Key);

/// <summary>Why an enrolment was refused; <see cref="EnrolmentError.Field"/> names the input at fault.</summary>
public enum EnrolmentProblem
{
    InvalidNodeId,
    AlreadyEnrolled,
    UnknownPop,
    NoRoles,
    MissingEndpoint,
    InvalidEndpoint,
    NotPublishable,
}

public sealed record EnrolmentError(EnrolmentProblem Problem, string Field, string Message);

/// <summary>What a node needs to be enrolled: id, POP, roles and the endpoints its roles listen on.</summary>
public sealed record EnrolmentRequest(
    string NodeId,
    string PopId,
    NodeRoles Roles,
    string? DnsEndpoint = null,
    string? MetricsEndpoint = null,
    string? CacheEndpoint = null,
    string? LoadPEndpoint = null);

/// <summary>An enrolment's outcome: the published version, or the reason nothing was saved.</summary>
public sealed record EnrolmentResult(EnrolmentError? Error, long? Version)
{
    public bool Succeeded => Error is null;
}

/// <summary>What the NOC's node page shows: nodes with their keys, the POPs to enrol into, the latest version.</summary>
public sealed record NodesOverview(IReadOnlyList<EdgeNodeEntity> Nodes, IReadOnlyList<string> PopIds, long? LatestVersion);

/// <summary>
/// Enrolment of edge nodes and their keys. A key is 32 random bytes (base64url); only its SHA-256
/// is stored, so the database never holds a usable key.
/// </summary>
public sealed class EdgeNodeService(SpeederaDbContext db, ConfigurationPublisher publisher, TimeProvider time)
{
    public async Task<NodesOverview> OverviewAsync(CancellationToken cancellationToken = default)
    {
        var nodes = await db.EdgeNodes.AsNoTracking().Include(n => n.Keys).OrderBy(n => n.Id).ToListAsync(cancellationToken);
        var pops = await db.Pops.AsNoTracking().OrderBy(p => p.Id).Select(p => p.Id).ToListAsync(cancellationToken);
        var latest = await db.ConfigVersions.MaxAsync(v => (long?)v.Version, cancellationToken);
        return new NodesOverview(nodes, pops, latest);
    }

    /// <summary>
    /// Enrols a node and publishes the network that includes it, in one transaction: when the new
    /// network cannot be published, the node is not enrolled either.
    /// </summary>
    public async Task<EnrolmentResult> EnrollAndPublishAsync(EnrolmentRequest request, string author, CancellationToken cancellationToken = default)
    {
        if (await ValidateAsync(request, cancellationToken) is { } error)
        {
            return new EnrolmentResult(error, null);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.EdgeNodes.Add(NewNode(request));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return new EnrolmentResult(new EnrolmentError(EnrolmentProblem.AlreadyEnrolled, nameof(request.NodeId), $"Node '{request.NodeId}' was enrolled a moment ago by someone else."), null);
        }

        var published = await publisher.PublishAsync(author, cancellationToken);
        if (!published.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            var reasons = string.Join("; ", published.Errors.Take(3).Select(e => e.ToString()));
            return new EnrolmentResult(new EnrolmentError(EnrolmentProblem.NotPublishable, "", $"With node {request.NodeId} the network is not publishable, so it was not enrolled: {reasons}"), null);
        }

        await transaction.CommitAsync(cancellationToken);
        return new EnrolmentResult(null, published.Version);
    }

    /// <summary>Enrols without publishing (set-up code and tests); throws <see cref="ArgumentException"/> when refused.</summary>
    public async Task<EdgeNodeEntity> EnrollAsync(
        string nodeId,
        string popId,
        NodeRoles roles,
        string? dnsEndpoint,
        string? metricsEndpoint,
        string? cacheEndpoint,
        string? loadPEndpoint,
        CancellationToken cancellationToken = default)
    {
        var request = new EnrolmentRequest(nodeId, popId, roles, dnsEndpoint, metricsEndpoint, cacheEndpoint, loadPEndpoint);
        if (await ValidateAsync(request, cancellationToken) is { } error)
        {
            throw new ArgumentException(error.Message, error.Field);
        }

        var node = NewNode(request);
        db.EdgeNodes.Add(node);
        await db.SaveChangesAsync(cancellationToken);
        return node;
    }

    private async Task<EnrolmentError?> ValidateAsync(EnrolmentRequest r, CancellationToken cancellationToken)
    {
        if (!Syntax.IsValidId(r.NodeId))
        {
            return new(EnrolmentProblem.InvalidNodeId, nameof(r.NodeId), $"Node id '{r.NodeId}' must be 1-{Limits.MaxIdLength} characters of a-z, 0-9, '-', '_' or '.'.");
        }

        if (await db.EdgeNodes.AnyAsync(n => n.Id == r.NodeId, cancellationToken))
        {
            return new(EnrolmentProblem.AlreadyEnrolled, nameof(r.NodeId), $"Node '{r.NodeId}' is already enrolled.");
        }

        if (!await db.Pops.AnyAsync(p => p.Id == r.PopId, cancellationToken))
        {
            return new(EnrolmentProblem.UnknownPop, nameof(r.PopId), $"POP '{r.PopId}' does not exist.");
        }

        if (r.Roles == NodeRoles.None)
        {
            return new(EnrolmentProblem.NoRoles, nameof(r.Roles), $"Node '{r.NodeId}' needs at least one role.");
        }

        foreach (var (role, endpoint, name, field) in new[]
        {
            (NodeRoles.Dns, r.DnsEndpoint, "DNS", nameof(r.DnsEndpoint)),
            (NodeRoles.Cache, r.CacheEndpoint, "cache", nameof(r.CacheEndpoint)),
            (NodeRoles.LoadP, r.LoadPEndpoint, "load agent", nameof(r.LoadPEndpoint)),
            (NodeRoles.None, r.MetricsEndpoint, "metrics", nameof(r.MetricsEndpoint)),
        })
        {
            if (string.IsNullOrWhiteSpace(endpoint))
            {
                if (role != NodeRoles.None && r.Roles.HasFlag(role))
                {
                    return new(EnrolmentProblem.MissingEndpoint, field, $"Node '{r.NodeId}' has the {role.ToString().ToLowerInvariant()} role and needs a {name} endpoint (IP:port).");
                }
            }
            else if (!System.Net.IPEndPoint.TryParse(endpoint.Trim(), out var ep) || ep.Port == 0 || !endpoint.Contains(':', StringComparison.Ordinal))
            {
                return new(EnrolmentProblem.InvalidEndpoint, field, $"The {name} endpoint '{endpoint}' is not IP:port.");
            }
        }

        return null;
    }

    private EdgeNodeEntity NewNode(EnrolmentRequest r) => new()
    {
        Id = r.NodeId,
        PopId = r.PopId,
        Roles = r.Roles,
        DnsEndpoint = Blank(r.DnsEndpoint),
        MetricsEndpoint = Blank(r.MetricsEndpoint),
        CacheEndpoint = Blank(r.CacheEndpoint),
        LoadPEndpoint = Blank(r.LoadPEndpoint),
        CreatedAt = time.GetUtcNow().UtcDateTime,
    };

    public async Task<IssuedNodeKey> IssueKeyAsync(string nodeId, string issuedBy, CancellationToken cancellationToken = default)
    {
        if (!await db.EdgeNodes.AnyAsync(n => n.Id == nodeId, cancellationToken))
        {
            throw new ArgumentException($"Node '{nodeId}' is not enrolled.", nameof(nodeId));
        }

        var key = SecretKeys.Generate();
        var entity = new EdgeNodeKeyEntity
        {
            Id = Guid.NewGuid(),
            NodeId = nodeId,
            KeyHash = HashKey(key),
            Prefix = key[..8],
            IssuedAt = time.GetUtcNow().UtcDateTime,
            IssuedBy = issuedBy,
        };
        db.EdgeNodeKeys.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedNodeKey(entity.Id, nodeId, key);
    }

    public async Task<bool> RevokeKeyAsync(Guid keyId, string revokedBy, CancellationToken cancellationToken = default)
    {
        var key = await db.EdgeNodeKeys.FirstOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (key is null || key.RevokedAt is not null)
        {
            return false;
        }

        key.RevokedAt = time.GetUtcNow().UtcDateTime;
        key.RevokedBy = revokedBy;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>True when <paramref name="key"/> is an unrevoked key of <paramref name="nodeId"/>.</summary>
    public async Task<bool> AuthenticateAsync(string nodeId, string key, CancellationToken cancellationToken = default)
    {
        var hash = HashKey(key);
        var stored = await db.EdgeNodeKeys.AsNoTracking()
            .Where(k => k.KeyHash == hash && k.RevokedAt == null)
            .Select(k => new { k.NodeId, k.KeyHash })
            .FirstOrDefaultAsync(cancellationToken);
        return stored is not null
            && SecretKeys.Matches(key, stored.KeyHash)
            && string.Equals(stored.NodeId, nodeId, StringComparison.Ordinal);
    }

    internal static string HashKey(string key) => SecretKeys.Hash(key);

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
