using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Speedera.Edge.Hosting;

/// <summary>Creates the roles named in <see cref="EdgeOptions.Roles"/> from the registry and starts and stops them.</summary>
public sealed partial class EdgeRoleHost : IHostedService
{
    private readonly List<IEdgeRole> _roles = [];
    private readonly ILogger<EdgeRoleHost> _logger;

    public EdgeRoleHost(EdgeRoleContext context, ILogger<EdgeRoleHost> logger)
    {
        _logger = logger;
        foreach (var name in context.Options.Roles)
        {
            if (!EdgeRoleRegistry.Roles.TryGetValue(name, out var factory))
            {
                throw new InvalidOperationException($"Role '{name}' is not available in this build.");
            }

            _roles.Add(factory(context));
        }
    }

    public IReadOnlyList<IEdgeRole> Roles => _roles;

    public IReadOnlyDictionary<string, RoleHealth> Health() =>
        _roles.ToDictionary(r => r.Name, r => SafeHealth(r), StringComparer.Ordinal);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var role in _roles)
        {
            LogStarting(_logger, role.Name);
            await role.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        for (var i = _roles.Count - 1; i >= 0; i--)
        {
            try
            {
                await _roles[i].StopAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStopFailed(_logger, ex, _roles[i].Name);
            }
        }
    }

    private static RoleHealth SafeHealth(IEdgeRole role)
    {
        try
        {
            return role.Health;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new RoleHealth(RoleStatus.Unhealthy, "Health check threw: " + ex.Message);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Starting role {Role}")]
    private static partial void LogStarting(ILogger logger, string role);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Role {Role} failed to stop cleanly")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, string role);
}
