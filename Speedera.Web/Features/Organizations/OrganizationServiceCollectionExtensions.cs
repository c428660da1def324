using Speedera.Web.Features.Account;

namespace Speedera.Web.Features.Organizations;

public static class OrganizationServiceCollectionExtensions
{
    /// <summary>Organization members and invitations, the user's time zone, two-factor sign-in helpers.</summary>
    public static IServiceCollection AddOrganizations(this IServiceCollection services)
    {
        services.AddOptions<OrganizationOptions>().BindConfiguration(OrganizationOptions.Section)
            .Validate(o => o.InvitationLifetime > TimeSpan.Zero && o.InvitationLifetime <= TimeSpan.FromDays(30),
                "Speedera:Organizations:InvitationLifetime must be positive and at most 30 days, e.g. 7.00:00:00.")
            .ValidateOnStart();
        services.AddScoped<OrganizationService>();
        services.AddHttpContextAccessor();
        services.AddScoped<UserTime>();
        return services;
    }
}
