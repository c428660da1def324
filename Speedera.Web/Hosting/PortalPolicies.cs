using Microsoft.AspNetCore.Authorization;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;

namespace Speedera.Web.Hosting;

public static class PortalPolicies
{
    /// <summary>The role policies pages and navigation use; one place, so component tests run the real ones.</summary>
    public static AuthorizationBuilder AddPortalPolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(Roles.Policies.Customer, p => Member(p, OrganizationRole.Owner, OrganizationRole.Technical))
        .AddPolicy(Roles.Policies.CustomerMember, p => Member(p, Enum.GetValues<OrganizationRole>()))
        .AddPolicy(Roles.Policies.CustomerBilling, p => Member(p, OrganizationRole.Owner, OrganizationRole.Billing))
        .AddPolicy(Roles.Policies.CustomerOwner, p => Member(p, OrganizationRole.Owner))
        .AddPolicy(Roles.Policies.Noc, p => p.RequireRole(Roles.Noc, Roles.Admin))
        .AddPolicy(Roles.Policies.Finance, p => p.RequireRole(Roles.Finance, Roles.Admin))
        .AddPolicy(Roles.Policies.Admin, p => p.RequireRole(Roles.Admin));

    // The organization role travels as a claim; the cookie's claims are rebuilt from the database on every request.
    private static void Member(AuthorizationPolicyBuilder policy, params OrganizationRole[] roles) => policy
        .RequireRole(Roles.Customer)
        .RequireClaim(SpeederaClaimsPrincipalFactory.OrganizationClaim)
        .RequireClaim(SpeederaClaimsPrincipalFactory.OrganizationRoleClaim, roles.Select(r => r.ToString()));
}
