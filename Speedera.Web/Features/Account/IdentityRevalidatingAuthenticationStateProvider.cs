using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Account;

/// <summary>
/// Re-checks an open circuit's user against the database every <see cref="Interval"/>: a user who was
/// removed, locked out, whose security stamp changed, or whose roles, organization or role in it changed loses the
/// circuit's authentication state, so role gates and tenant filters hold for long-lived circuits too.
/// </summary>
internal sealed class IdentityRevalidatingAuthenticationStateProvider(
    ILoggerFactory loggerFactory,
    IServiceScopeFactory scopeFactory,
    IOptions<IdentityOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    /// <summary>The issue allows at most 30 s between a change and the circuit noticing it.</summary>
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(20);

    protected override TimeSpan RevalidationInterval => Interval;

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        IsStillValidAsync(authenticationState.User);

    internal async Task<bool> IsStillValidAsync(ClaimsPrincipal principal)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await userManager.GetUserAsync(principal);
        if (user is null || await userManager.IsLockedOutAsync(user))
        {
            return false;
        }

        var claimTypes = options.Value.ClaimsIdentity;
        if (userManager.SupportsUserSecurityStamp
            && principal.FindFirstValue(claimTypes.SecurityStampClaimType) != await userManager.GetSecurityStampAsync(user))
        {
            return false;
        }

        // Role and membership changes do not always rotate the stamp, so compare them directly.
        var roles = await userManager.GetRolesAsync(user);
        var claimedRoles = principal.FindAll(claimTypes.RoleClaimType).Select(c => c.Value);
        return roles.ToHashSet(StringComparer.Ordinal).SetEquals(claimedRoles)
            && principal.OrganizationId() == user.OrganizationId
            && principal.OrganizationRole() == user.OrganizationRole;
    }
}
