using Microsoft.Extensions.Logging;
using Speedera.Edge.Hosting;

namespace Speedera.Edge.LoadP;

/// <summary>The loadp role: answers LOADP probes with this machine's load figures (see PROTOCOL.md).</summary>
public sealed class LoadPRole(EdgeRoleContext context) : IEdgeRole
{
    private readonly LoadPAgent agent = new(context.Options.LoadPListen, logger: context.LoggerFactory.CreateLogger<LoadPAgent>());
    private bool started;

    public string Name => "loadp";

    public RoleHealth Health => started ? new RoleHealth(RoleStatus.Healthy, $"tcp {context.Options.LoadPListen}") : RoleHealth.Starting;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await agent.StartAsync(cancellationToken).ConfigureAwait(false);
        started = true;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        started = false;
        await agent.StopAsync().ConfigureAwait(false);
    }
}
