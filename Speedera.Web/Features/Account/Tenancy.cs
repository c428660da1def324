using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Account;

/// <summary>Puts the user's organization into the auth cookie so every request knows its tenant.</summary>
public sealed class SpeederaClaimsPrincipalFactory(
    UserManager<ApplicationUser> userManager,
    RoleManager<IdentityRole> roleManager,
    IOptions<IdentityOptions> options,
    IHttpContextAccessor? httpContext = null)
    : UserClaimsPrincipalFactory<ApplicationUser, IdentityRole>(userManager, roleManager, options)
{
    public const string OrganizationClaim = "speedera:org";

    /// <summary>The member's <see cref="Data.OrganizationRole"/> within <see cref="OrganizationClaim"/>.</summary>
    public const string OrganizationRoleClaim = "speedera:orgrole";

    /// <summary>The user's chosen IANA time zone.</summary>
    public const string TimeZoneClaim = "speedera:tz";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(ApplicationUser user)
    {
        // The first sign-in remembers the browser's zone (timezone.js), so times are local before anyone opens Settings.
        if (user.TimeZone is null && UserTime.BrowserZone(httpContext?.HttpContext) is { } browserZone)
        {
            user.TimeZone = browserZone;
            if (!(await UserManager.UpdateAsync(user)).Succeeded)
            {
                user.TimeZone = null;
            }
        }

        var identity = await base.GenerateClaimsAsync(user);
        if (user.OrganizationId is { } org)
        {
            identity.AddClaim(new Claim(OrganizationClaim, org.ToString()));
            if (user.OrganizationRole is { } role)
            {
                identity.AddClaim(new Claim(OrganizationRoleClaim, role.ToString()));
            }
        }

        if (UserTimeZones.IsValid(user.TimeZone))
        {
            identity.AddClaim(new Claim(TimeZoneClaim, user.TimeZone!));
        }

        return identity;
    }
}

/// <summary>The signed-in principal's tenant. Customer data is always filtered by <see cref="OrganizationId"/>.</summary>
public static class TenantClaims
{
    public static Guid? OrganizationId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(SpeederaClaimsPrincipalFactory.OrganizationClaim), out var id) ? id : null;

    /// <summary>The member's role in their organization, or null (staff, or a principal without one).</summary>
    public static OrganizationRole? OrganizationRole(this ClaimsPrincipal user) =>
        Enum.TryParse<OrganizationRole>(user.FindFirstValue(SpeederaClaimsPrincipalFactory.OrganizationRoleClaim), out var role)
            && Enum.IsDefined(role) ? role : null;
}
