using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;

namespace Speedera.Edge.Dns;

public static class DnsServiceCollectionExtensions
{
    /// <summary>
    /// Registers the dns role: <see cref="DnsNodeState"/> (its <see cref="DnsNodeState.Metrics"/> also as the
    /// node's <see cref="IMetricSink"/>) and <see cref="DnsServerHost"/> as a hosted service reading the
    /// configuration through <paramref name="configuration"/> on every query.
    /// </summary>
    public static IServiceCollection AddSpeederaDns(
        this IServiceCollection services,
        DnsServerOptions options,
        Func<IServiceProvider, Func<NetworkConfiguration?>> configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(sp => new DnsNodeState(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IMetricSink>(sp => sp.GetRequiredService<DnsNodeState>().Metrics);
        services.AddSingleton(sp => new DnsServerHost(
            options,
            configuration(sp),
            sp.GetRequiredService<DnsNodeState>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddHostedService(sp => sp.GetRequiredService<DnsServerHost>());
        return services;
    }
}
