namespace Speedera.Web.Features.Api;

/// <summary>One key as the API keys page lists it: everything but the hash, which never leaves the server.</summary>
public sealed record ApiKeyRow(Guid Id, string Name, string Prefix, DateTime CreatedAt, string CreatedBy, DateTime? LastUsedAt, ApiKeyScope Scope, DateTime? ExpiresAt, DateTime? RevokedAt)
{
    public static ApiKeyRow From(ApiKeyEntity k) => new(k.Id, k.Name, k.Prefix, k.CreatedAt, k.CreatedBy, k.LastUsedAt, k.Scope, k.ExpiresAt, k.RevokedAt);
}
