using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Account;

/// <summary>Puts the user's organization into the auth cookie so every request knows its tenant.</summary>
public sealed class SpeederaClaimsPrincipalFactory(
    UserManager<ApplicationUser> userManager,
    RoleManager<IdentityRole> roleManager,
    IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<ApplicationUser, IdentityRole>(userManager, roleManager, options)
{
    public const string OrganizationClaim = "speedera:org";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(ApplicationUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.OrganizationId is { } org)
        {
            identity.AddClaim(new Claim(OrganizationClaim, org.ToString()));
        }

        return identity;
    }
}

/// <summary>The signed-in principal's tenant. Customer data is always filtered by <see cref="OrganizationId"/>.</summary>
public static class TenantClaims
{
    public static Guid? OrganizationId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(SpeederaClaimsPrincipalFactory.OrganizationClaim), out var id) ? id : null;
}
