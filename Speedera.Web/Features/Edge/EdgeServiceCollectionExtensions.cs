using Speedera.Web.Features.Configuration;

namespace Speedera.Web.Features.Edge;

public static class EdgeServiceCollectionExtensions
{
    /// <summary>
    /// Configuration publishing (generator, signing key, publisher, feed), node enrolment, the edge
    /// API's services, and in Development the embedded edge node.
    /// </summary>
    public static IServiceCollection AddEdgeControlPlane(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddSingleton<ConfigurationSigningKey>();
        services.AddSingleton<ConfigurationFeed>();
        services.AddScoped<NetworkConfigurationGenerator>();
        services.AddScoped<ConfigurationPublisher>();
        services.AddScoped<EdgeNodeService>();

        var embedded = configuration.GetSection(EmbeddedEdgeOptions.Section).Get<EmbeddedEdgeOptions>() ?? new EmbeddedEdgeOptions();
        embedded.Enabled ??= environment.IsDevelopment();
        services.AddSingleton(embedded);
        services.AddHostedService<StartupPublisher>();
        services.AddSingleton<Gtm.Geo.GeoDataService>();
        services.AddHostedService(sp => sp.GetRequiredService<Gtm.Geo.GeoDataService>());
        if (embedded.Enabled == true)
        {
            services.AddHostedService<EmbeddedEdgeNode>();
        }

        return services;
    }
}
