using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speedera.Core.Configuration;
using Speedera.Edge.ControlPlane;

namespace Speedera.Edge.Hosting;

/// <summary>
/// Builds the host of one edge node: configuration bootstrap, roles, control-plane client,
/// uploads, status endpoint. The executable and the portal's embedded node both use it.
/// </summary>
public static class EdgeNodeHost
{
    public static IHost Build(EdgeOptions options, Action<ILoggingBuilder>? configureLogging = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!ConfigurationKeys.TryImportPublicKey(options.PublicKey, out var publicKey, out var keyError))
        {
            throw new EdgeStartupException("--public-key: " + keyError);
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        if (configureLogging is null)
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }
        else
        {
            configureLogging(builder.Logging);
        }

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(timeProvider ?? TimeProvider.System);
        services.AddSingleton(publicKey!);
        services.AddSingleton<ConfigurationHolder>();
        services.AddSingleton<ConfigurationVerifier>();
        services.AddSingleton(new LastGoodStore(options.ConfigDirectory));
        services.AddSingleton(sp => new StatusSiteHolder(sp.GetRequiredService<System.Security.Cryptography.ECDsa>(), options.ConfigDirectory));
        services.AddSingleton(sp => new SpoolingEdgeUploader(options.SpoolDirectory, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IEdgeUploader>(sp => sp.GetRequiredService<SpoolingEdgeUploader>());
        services.AddSingleton(sp => new EdgeRoleContext(
            options,
            sp.GetRequiredService<ConfigurationHolder>(),
            sp.GetRequiredService<IEdgeUploader>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp));
        services.AddSingleton<EdgeRoleHost>();
        services.AddSingleton(sp => new Probe.NodeExchange(options, sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<EdgeStatus>();
        services.AddMetrics();
        services.AddSingleton<Telemetry.EdgeMetrics>();

        // Hosted services start in this order: the document on disk first, then the status endpoint
        // and the control-plane client (so a role that waits for a document at start gets one), then
        // the roles. They stop in reverse order.
        services.AddHostedService<ConfigurationBootstrapper>();
        services.AddHostedService<EdgeStatusServer>();
        if (options.ControlPlane is not null)
        {
            services.AddSingleton<ControlPlaneConnection>();
            services.AddSingleton<ControlPlaneReachability>();
            services.AddHostedService<ConfigurationPoller>();
            services.AddHostedService<HeartbeatSender>();
            services.AddHostedService<UploadSender>();
            if (options.Roles.Contains("cache", StringComparer.OrdinalIgnoreCase))
            {
                services.AddHostedService<StatusSitePoller>();
            }
        }

        services.AddHostedService(sp => sp.GetRequiredService<EdgeRoleHost>());

        return builder.Build();
    }
}
