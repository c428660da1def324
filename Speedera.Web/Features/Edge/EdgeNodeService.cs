using Microsoft.EntityFrameworkCore;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Edge;

/// <summary>A node key as shown once when issued.</summary>
public sealed record IssuedNodeKey(Guid KeyId, string NodeId, string Key);

/// <summary>
/// Enrolment of edge nodes and their keys. A key is 32 random bytes (base64url); only its SHA-256
/// is stored, so the database never holds a usable key.
/// </summary>
public sealed class EdgeNodeService(SpeederaDbContext db, TimeProvider time)
{
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
        if (!NetworkConfigurationValidator.ValidId(nodeId))
        {
            throw new ArgumentException($"Node id '{nodeId}' must be 1-64 characters of a-z, 0-9, '-', '_' or '.'.", nameof(nodeId));
        }

        if (await db.EdgeNodes.AnyAsync(n => n.Id == nodeId, cancellationToken))
        {
            throw new ArgumentException($"Node '{nodeId}' is already enrolled.", nameof(nodeId));
        }

        if (!await db.Pops.AnyAsync(p => p.Id == popId, cancellationToken))
        {
            throw new ArgumentException($"POP '{popId}' does not exist.", nameof(popId));
        }

        if (roles == NodeRoles.None)
        {
            throw new ArgumentException($"Node '{nodeId}' needs at least one role.", nameof(roles));
        }

        foreach (var (role, endpoint, name) in new[] { (NodeRoles.Dns, dnsEndpoint, "DNS"), (NodeRoles.Cache, cacheEndpoint, "cache"), (NodeRoles.LoadP, loadPEndpoint, "load agent"), (NodeRoles.None, metricsEndpoint, "metrics") })
        {
            if (string.IsNullOrWhiteSpace(endpoint))
            {
                if (role != NodeRoles.None && roles.HasFlag(role))
                {
                    throw new ArgumentException($"Node '{nodeId}' has the {role.ToString().ToLowerInvariant()} role and needs a {name} endpoint (IP:port).", nameof(roles));
                }
            }
            else if (!System.Net.IPEndPoint.TryParse(endpoint.Trim(), out var ep) || ep.Port == 0 || !endpoint.Contains(':', StringComparison.Ordinal))
            {
                throw new ArgumentException($"The {name} endpoint '{endpoint}' is not IP:port.", nameof(roles));
            }
        }

        var node = new EdgeNodeEntity
        {
            Id = nodeId,
            PopId = popId,
            Roles = roles,
            DnsEndpoint = Blank(dnsEndpoint),
            MetricsEndpoint = Blank(metricsEndpoint),
            CacheEndpoint = Blank(cacheEndpoint),
            LoadPEndpoint = Blank(loadPEndpoint),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.EdgeNodes.Add(node);
        await db.SaveChangesAsync(cancellationToken);
        return node;
    }

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
