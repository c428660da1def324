using Microsoft.Extensions.Logging;
using Speedera.Edge.ControlPlane;

namespace Speedera.Edge.Hosting;

/// <summary>
/// One role an edge node runs (dns, probe, cache, loadp). Roles read the network configuration
/// from <see cref="EdgeRoleContext.Configuration"/> and send data home through
/// <see cref="EdgeRoleContext.Uploader"/>. They are registered in <see cref="EdgeRoleRegistry"/>.
/// </summary>
public interface IEdgeRole
{
    string Name { get; }

    /// <summary>Binds listeners and starts work; returns once the role is serving or has failed.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Stops accepting work and lets work in flight finish within the token's time.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Current health, read for heartbeats and the status endpoint; must be cheap.</summary>
    RoleHealth Health { get; }
}

/// <summary>A role that reports cumulative counters in heartbeats (see <see cref="Core.ControlPlane.HeartbeatCounters"/>).</summary>
public interface IEdgeRoleCounters
{
    void AddCounters(IDictionary<string, long> counters);
}

public enum RoleStatus
{
    Starting,
    Healthy,
    Degraded,
    Unhealthy,
    Stopped,
}

public sealed record RoleHealth(RoleStatus Status, string? Detail = null)
{
    public static RoleHealth Healthy { get; } = new(RoleStatus.Healthy);

    public static RoleHealth Starting { get; } = new(RoleStatus.Starting);
}

/// <summary>What a role is given when it is created.</summary>
public sealed class EdgeRoleContext(
    EdgeOptions options,
    ConfigurationHolder configuration,
    IEdgeUploader uploader,
    ILoggerFactory loggerFactory,
    TimeProvider timeProvider,
    IServiceProvider services)
{
    public EdgeOptions Options { get; } = options;

    /// <summary>The verified current document; take <see cref="ConfigurationHolder.Current"/> once per unit of work.</summary>
    public ConfigurationHolder Configuration { get; } = configuration;

    public IEdgeUploader Uploader { get; } = uploader;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    public TimeProvider TimeProvider { get; } = timeProvider;

    /// <summary>The node's service provider, for anything else a role needs (HttpClient factory, ...).</summary>
    public IServiceProvider Services { get; } = services;
}
