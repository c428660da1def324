using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Account;

public static class AccountEndpoints
{
    /// <summary>Endpoints the account pages post to that are not pages themselves.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/Account/Logout", async (SignInManager<ApplicationUser> signInManager, [FromForm] string? returnUrl) =>
        {
            await signInManager.SignOutAsync();
            var target = string.IsNullOrEmpty(returnUrl) || !returnUrl.StartsWith('/') || returnUrl.StartsWith("//", StringComparison.Ordinal)
                ? "/"
                : returnUrl;
            return TypedResults.LocalRedirect(target);
        });
        return endpoints;
    }
}
