using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Speedera.Tests.Unit.Web;
using Speedera.Web.Data;

namespace Speedera.Tests.Integration.Portal;

/// <summary>
/// Renders portal pages as an open circuit would, with bUnit, on the portal's real services and database
/// (the factory's container is the fallback): what used to be checked by posting static forms.
/// </summary>
public sealed class PortalPageContext : ComponentTestContext
{
    public PortalPageContext(PortalFactory factory)
    {
        Factory = factory;
        Services.AddFallbackServiceProvider(factory.Services);
    }

    public PortalFactory Factory { get; }

    public void UseAuthenticationState(Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider provider) => Services.AddSingleton(provider);

    public new Bunit.IRenderedComponent<T> Render<T>(Action<Bunit.ComponentParameterCollectionBuilder<T>>? parameters = null)
        where T : Microsoft.AspNetCore.Components.IComponent => base.Render(parameters);

    public new Task DisposeComponentsAsync() => base.DisposeComponentsAsync();

    /// <summary>The user's principal exactly as signing in builds it (roles, organization, security stamp).</summary>
    public static async Task<ClaimsPrincipal> PrincipalOfAsync(PortalFactory factory, string email)
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<ApplicationUser>>();
        var user = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException($"no user {email}");
        return await signIn.CreateUserPrincipalAsync(user);
    }

    public async Task SignInAsAsync(string email) => SignIn(await PrincipalOfAsync(Factory, email));
}
