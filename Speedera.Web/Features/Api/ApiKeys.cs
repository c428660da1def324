using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Api;

/// <summary>An organization's REST API key. Only a SHA-256 hash is stored; the key is shown once.</summary>
public sealed class ApiKeyEntity
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public required string Name { get; set; }

    /// <summary>The first characters of the key, to recognise it in lists.</summary>
    public required string Prefix { get; set; }

    public required string KeyHash { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string CreatedBy { get; set; }

    public DateTime? RevokedAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public ApiKeyScope Scope { get; set; } = ApiKeyScope.Full;

    /// <summary>After this instant the key is refused (401); null: it does not expire.</summary>
    public DateTime? ExpiresAt { get; set; }
}

/// <summary>What a key may do: read-only keys get 403 on any write (anything but GET and HEAD).</summary>
public enum ApiKeyScope
{
    Full,
    ReadOnly,
}

internal sealed class ApiKeyEntityConfiguration : IEntityTypeConfiguration<ApiKeyEntity>
{
    public void Configure(EntityTypeBuilder<ApiKeyEntity> b)
    {
        b.ToTable("ApiKeys");
        b.Property(k => k.Name).HasMaxLength(100);
        b.Property(k => k.Prefix).HasMaxLength(16);
        b.Property(k => k.KeyHash).HasMaxLength(64);
        b.Property(k => k.CreatedBy).HasMaxLength(256);
        b.Property(k => k.Scope).HasConversion<string>().HasMaxLength(16);
        b.HasIndex(k => k.KeyHash).IsUnique();
        b.HasIndex(k => k.OrganizationId);
    }
}

public sealed record IssuedApiKey(Guid Id, string Name, string Key);

public sealed class ApiKeyService(SpeederaDbContext db, TimeProvider time)
{
    public const string KeyPrefix = "spk_";

    public Task<List<ApiKeyEntity>> ListAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        db.ApiKeys.AsNoTracking().Where(k => k.OrganizationId == organizationId).OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);

    /// <summary>The longest lifetime a key may be given; keys without an expiry stay valid until revoked.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366 * 2);

    public async Task<IssuedApiKey?> IssueAsync(
        Guid organizationId, string name, string author, ApiKeyScope scope = ApiKeyScope.Full, TimeSpan? lifetime = null, CancellationToken cancellationToken = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > 100 || name.Any(c => char.IsControl(c) || c is '<' or '>')
            || !Enum.IsDefined(scope) || lifetime is { } l && (l <= TimeSpan.Zero || l > MaxLifetime))
        {
            return null;
        }

        var key = SecretKeys.Generate(KeyPrefix);
        var entity = new ApiKeyEntity
        {
            Id = Guid.NewGuid(),
            OrganizationId = organizationId,
            Name = name,
            Prefix = key[..12],
            KeyHash = Hash(key),
            CreatedAt = time.GetUtcNow().UtcDateTime,
            CreatedBy = author,
            Scope = scope,
            ExpiresAt = lifetime is { } life ? time.GetUtcNow().UtcDateTime + life : null,
        };
        db.ApiKeys.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedApiKey(entity.Id, name, key);
    }

    public async Task<bool> RevokeAsync(Guid organizationId, Guid id, CancellationToken cancellationToken = default)
    {
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == id && k.OrganizationId == organizationId, cancellationToken);
        if (key is null)
        {
            return false;
        }

        key.RevokedAt ??= time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>The key's row, or null for an unknown, revoked or expired key.</summary>
    public async Task<ApiKeyEntity?> AuthenticateAsync(string key, CancellationToken cancellationToken) =>
        (await CheckAsync(key, cancellationToken)) is { Expired: false } check ? check.Key : null;

    public sealed record KeyCheck(ApiKeyEntity Key, bool Expired);

    /// <summary>Null for an unknown or revoked key; otherwise the key and whether it has expired.</summary>
    public async Task<KeyCheck?> CheckAsync(string key, CancellationToken cancellationToken)
    {
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || key.Length > 100)
        {
            return null;
        }

        var hash = Hash(key);
        var entity = await db.ApiKeys.SingleOrDefaultAsync(k => k.KeyHash == hash && k.RevokedAt == null, cancellationToken);

        // The database found the row by equality under its own collation; confirm byte for byte as node keys do.
        if (entity is null || !SecretKeys.Matches(key, entity.KeyHash))
        {
            return null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (entity.ExpiresAt is { } expires && expires <= now)
        {
            return new KeyCheck(entity, Expired: true);
        }

        if (entity.LastUsedAt is null || now - entity.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            entity.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return new KeyCheck(entity, Expired: false);
    }

    internal static string Hash(string key) => SecretKeys.Hash(key);
}

/// <summary><c>Authorization: Bearer spk_...</c>: the caller acts as a Customer of the key's organization.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyService keys,
    Hosting.AuthenticationFailureLimiter failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>The key's <see cref="ApiKeyScope"/>, checked by <see cref="ApiKeyScopeHandler"/>.</summary>
    public const string ScopeClaim = "speedera:key-scope";

    /// <summary>Who created the key (their e-mail): member changes through the API need a key an owner created.</summary>
    public const string CreatorClaim = "speedera:key-creator";

    private const string ExpiredFailure = "The API key has expired.";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var check = await keys.CheckAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (check is null)
        {
            failures.RecordFailure(Context.Connection.RemoteIpAddress);
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        // A real key past its date is not guessing, so it does not count towards the address's failure limit.
        if (check.Expired)
        {
            return AuthenticateResult.Fail(ExpiredFailure);
        }

        var key = check.Key;
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, $"api-key:{key.Prefix}"),
            new Claim(ClaimTypes.Role, Roles.Customer),
            new Claim(SpeederaClaimsPrincipalFactory.OrganizationClaim, key.OrganizationId.ToString()),
            new Claim(ScopeClaim, key.Scope.ToString()),
            new Claim(CreatorClaim, key.CreatedBy),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // RFC 6750 section 3: a presented but unknown key is an invalid_token; no key at all gets the bare challenge.
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
        var failed = failure is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = failed ? "Bearer realm=\"speedera\", error=\"invalid_token\"" : "Bearer realm=\"speedera\"";
        await Results.Problem(
            failure?.Message == ExpiredFailure ? "The API key has expired; create a new one under Account → API keys."
                : failed ? "The API key is unknown or revoked."
                : "Send Authorization: Bearer <API key>; create keys under Account → API keys.",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var readOnly = (await HandleAuthenticateOnceSafeAsync()).Principal?.HasClaim(ScopeClaim, nameof(ApiKeyScope.ReadOnly)) == true;
        await Results.Problem(
            readOnly ? "This API key is read-only: it may only read (GET). Use a key with full scope to change anything." : "This key may not do that.",
            statusCode: 403).ExecuteAsync(Context);
    }
}

/// <summary>Read-only keys may only read: any method but GET, HEAD and OPTIONS is forbidden (403).</summary>
public sealed class ApiKeyScopeRequirement : Microsoft.AspNetCore.Authorization.IAuthorizationRequirement;

public sealed class ApiKeyScopeHandler(IHttpContextAccessor httpContext) : Microsoft.AspNetCore.Authorization.AuthorizationHandler<ApiKeyScopeRequirement>
{
    protected override Task HandleRequirementAsync(Microsoft.AspNetCore.Authorization.AuthorizationHandlerContext context, ApiKeyScopeRequirement requirement)
    {
        var method = (context.Resource as HttpContext ?? httpContext.HttpContext)?.Request.Method;
        var reads = method is not null && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));
        if (reads || context.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, nameof(ApiKeyScope.Full)))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
