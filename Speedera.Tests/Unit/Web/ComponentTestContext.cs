using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Hosting;

namespace Speedera.Tests.Unit.Web;

/// <summary>
/// A bUnit context with MudBlazor, the portal's real authorization policies and a signed-in user of
/// the given roles (none: anonymous).
/// </summary>
public abstract class ComponentTestContext : IAsyncLifetime
{
    // Seven helpers build and test on two cores here: a render can take seconds, so waits give it time (they end as soon as they pass).
    static ComponentTestContext() => BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(15);

    protected ComponentTestContext()
    {
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddAuthorizationBuilder().AddPortalPolicies();
        // bUnit registers placeholders that refuse every check; the portal's real evaluation replaces them.
        Services.AddSingleton<IAuthorizationService, DefaultAuthorizationService>();
        Services.AddSingleton<IAuthorizationPolicyProvider, DefaultAuthorizationPolicyProvider>();
        Services.AddCascadingAuthenticationState();
        Services.AddSingleton<AntiforgeryStateProvider, FixedAntiforgery>();
        Services.AddScoped<UserTime>();
    }

    /// <summary>MudBlazor's services dispose only asynchronously, so the context is disposed that way.</summary>
    protected BunitContext Context { get; } = new();

    protected BunitServiceProvider Services => Context.Services;

    protected IRenderedComponent<T> Render<T>(Action<ComponentParameterCollectionBuilder<T>>? parameters = null)
        where T : Microsoft.AspNetCore.Components.IComponent
    {
        // As in an open circuit: pages keep their forms disabled while pre-rendering (RendererInfo.IsInteractive false).
        // Set at the first render, since it builds the renderer and so closes the container to registrations.
        if (!rendererInfoSet)
        {
            Context.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
            rendererInfoSet = true;
        }

        return parameters is null ? Context.Render<T>() : Context.Render<T>(parameters);
    }

    private bool rendererInfoSet;

    protected Task DisposeComponentsAsync() => Context.DisposeComponentsAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Context.DisposeAsync();

    /// <summary>A user of <paramref name="roles"/>; a customer with an organization is its owner.</summary>
    public void SignIn(string name, Guid? organization, params string[] roles) =>
        SignInAs(name, organization, organization is null ? null : OrganizationRole.Owner, timeZone: null, roles);

    public void SignInAs(string name, Guid? organization, OrganizationRole? organizationRole, string? timeZone, params string[] roles)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        claims.AddRange(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        if (organization is { } org)
        {
            claims.Add(new Claim(SpeederaClaimsPrincipalFactory.OrganizationClaim, org.ToString()));
        }

        if (organizationRole is { } role)
        {
            claims.Add(new Claim(SpeederaClaimsPrincipalFactory.OrganizationRoleClaim, role.ToString()));
        }

        if (timeZone is not null)
        {
            claims.Add(new Claim(SpeederaClaimsPrincipalFactory.TimeZoneClaim, timeZone));
        }

        SignIn(new ClaimsPrincipal(new ClaimsIdentity(claims, "test")));
    }

    public void SignIn(ClaimsPrincipal user) => Services.AddSingleton<AuthenticationStateProvider>(new FixedAuthenticationState(user));

    private sealed class FixedAuthenticationState(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }

    private sealed class FixedAntiforgery : AntiforgeryStateProvider
    {
        public override AntiforgeryRequestToken? GetAntiforgeryToken() => new("test-token", "__RequestVerificationToken");
    }
}
