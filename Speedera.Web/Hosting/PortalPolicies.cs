using Microsoft.AspNetCore.Authorization;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;

namespace Speedera.Web.Hosting;

public static class PortalPolicies
{
    /// <summary>The role policies pages and navigation use; one place, so component tests run the real ones.</summary>
    public static AuthorizationBuilder AddPortalPolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(Roles.Policies.Customer, p => p.RequireRole(Roles.Customer).RequireClaim(SpeederaClaimsPrincipalFactory.OrganizationClaim))
        .AddPolicy(Roles.Policies.Noc, p => p.RequireRole(Roles.Noc, Roles.Admin))
        .AddPolicy(Roles.Policies.Finance, p => p.RequireRole(Roles.Finance, Roles.Admin))
        .AddPolicy(Roles.Policies.Admin, p => p.RequireRole(Roles.Admin));
}
