using Speedera.Edge.Dns;

namespace Speedera.Edge.Hosting;

/// <summary>The dns role: <see cref="DnsServerHost"/> on <see cref="EdgeOptions.DnsListen"/>, reading the node's current configuration per query.</summary>
public sealed class DnsEdgeRole : IEdgeRole
{
    private readonly EdgeRoleContext _context;
    private volatile RoleHealth _health = RoleHealth.Starting;

    public DnsEdgeRole(EdgeRoleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        State = new DnsNodeState(context.TimeProvider);
        Server = new DnsServerHost(
            new DnsServerOptions { Endpoint = context.Options.DnsListen },
            () => context.Configuration.Current?.Configuration,
            State,
            context.LoggerFactory);
    }

    public string Name => "dns";

    public DnsServerHost Server { get; }

    /// <summary>Metrics sink for the probes, decision counts and client groups of this dns node.</summary>
    public DnsNodeState State { get; }

    public RoleHealth Health => _health.Status != RoleStatus.Healthy || _context.Configuration.Current is not null
        ? _health
        : new RoleHealth(RoleStatus.Degraded, "Listening, but no configuration yet: every query is refused.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Server.StartAsync(cancellationToken).ConfigureAwait(false);
            _health = new RoleHealth(RoleStatus.Healthy, $"UDP and TCP on {Server.BoundEndPoint}");
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            _health = new RoleHealth(RoleStatus.Unhealthy, $"Cannot listen on {_context.Options.DnsListen}: {ex.Message}");
            throw;
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Server.StopAsync(cancellationToken).ConfigureAwait(false);
        _health = new RoleHealth(RoleStatus.Stopped);
    }
}
