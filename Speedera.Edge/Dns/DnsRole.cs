using Microsoft.Extensions.Logging;
using Speedera.Core.ControlPlane;
using Speedera.Core.Reports;
using Speedera.Edge.ControlPlane;
using Speedera.Edge.Hosting;

namespace Speedera.Edge.Dns;

/// <summary>
/// The dns role on an edge node: the GTM DNS server on <see cref="EdgeOptions.DnsListen"/>, reading
/// the node's current configuration, with its per-minute decision counts sent home as uploads.
/// </summary>
public sealed class DnsRole : IEdgeRole, IEdgeRoleCounters
{
    private static readonly TimeSpan DrainInterval = TimeSpan.FromSeconds(15);
    private readonly EdgeRoleContext context;
    private readonly DnsServerHost host;
    private readonly Probe.NodeExchange exchange;
    private Probe.ClientGroupPublisher? clientGroups;
    private CancellationTokenSource? stopping;
    private Task drainLoop = Task.CompletedTask;
    private Task geoLoop = Task.CompletedTask;
    private readonly GeoDataLoader geoLoader;

    public DnsRole(EdgeRoleContext context)
    {
        this.context = context;
        exchange = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Probe.NodeExchange>(context.Services);
        State = new DnsNodeState(context.TimeProvider);
        host = new DnsServerHost(
            new DnsServerOptions { Endpoint = context.Options.DnsListen, Nsid = context.Options.NodeId, QueryLogPath = context.Options.DnsQueryLog, QueryLogPerSecond = context.Options.DnsQueryLogRate },
            () => context.Configuration.Current?.Configuration,
            State,
            context.LoggerFactory);
        geoLoader = new GeoDataLoader(
            State.Geo,
            Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<System.Security.Cryptography.ECDsa>(context.Services),
            context.Options.GeoDataFile ?? Path.Combine(context.Options.DataDirectory, "geodata", "geodata.json"),
            Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetService<ControlPlaneConnection>(context.Services),
            context.TimeProvider,
            context.LoggerFactory.CreateLogger<GeoDataLoader>());
    }

    public string Name => "dns";

    /// <summary>Metrics, persistence and client groups: where the probe exchange delivers.</summary>
    public DnsNodeState State { get; }

    public DnsServerHost Host => host;

    public RoleHealth Health => host.BoundEndPoint is { } ep
        ? new RoleHealth(RoleStatus.Healthy, $"udp+tcp {ep}, {host.Stats.Queries} queries, {GeoHealth}")
        : RoleHealth.Starting;

    private string GeoHealth => State.Geo.Current is { } geo
        ? $"geo data {geo.Version}"
        : $"no geo data ({State.Geo.MissingReason}): region rules not applied";

    public void AddCounters(IDictionary<string, long> counters)
    {
        counters[HeartbeatCounters.DnsQueries] = host.Stats.Queries;
        counters[HeartbeatCounters.DnsServFail] = host.Stats.Responses(Core.Dns.DnsResponseCode.ServFail);
        counters[HeartbeatCounters.DnsRefused] = host.Stats.Responses(Core.Dns.DnsResponseCode.Refused);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The latency table survives restarts; probes refresh what has gone stale.
        if (File.Exists(LatencyFile))
        {
            try
            {
                State.Metrics.ApplyLatency(Core.Probes.LatencyTableFile.Load(LatencyFile));
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException)
            {
                Log.LatencyTableUnreadable(context.LoggerFactory.CreateLogger<DnsRole>(), ex, LatencyFile);
            }
        }

        geoLoader.LoadFromDisk();

        // Probes push service metrics and latency here; seen client groups go back to the latency probes.
        await exchange.ReceiveMetricsAsync(State.Metrics, cancellationToken).ConfigureAwait(false);
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        clientGroups = new Probe.ClientGroupPublisher(
            State.ClientGroups,
            () => context.Configuration.Current?.Configuration,
            exchange.Sender,
            context.TimeProvider,
            context.LoggerFactory.CreateLogger<Probe.ClientGroupPublisher>());
        await clientGroups.StartAsync(cancellationToken).ConfigureAwait(false);
        stopping = new CancellationTokenSource();
        drainLoop = DrainLoopAsync(stopping.Token);
        geoLoop = geoLoader.RunAsync(stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (stopping is not null)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            await drainLoop.ConfigureAwait(false);
            await geoLoop.ConfigureAwait(false);
            stopping.Dispose();
            stopping = null;
        }

        if (clientGroups is not null)
        {
            await clientGroups.StopAsync().ConfigureAwait(false);
        }

        await host.StopAsync(cancellationToken).ConfigureAwait(false);
        Drain(includeCurrent: true);
        SaveLatency();
    }

    private async Task DrainLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(DrainInterval, context.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Drain(includeCurrent: false);
                SaveLatency();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string LatencyFile => Path.Combine(context.Options.DataDirectory, "dns-latency.txt");

    private void SaveLatency() =>
        Core.Probes.LatencyTableFile.Save(LatencyFile, State.Metrics.ExportLatency(context.Options.NodeId));

    private void Drain(bool includeCurrent)
    {
        var rows = State.Decisions.Drain(includeCurrent);
        if (rows.Count > 0)
        {
            context.Uploader.Enqueue(UploadKinds.Decisions, rows.ToArray(), EdgeReportJson.Default.DecisionCountRowArray);
        }

        var clients = State.Decisions.Clients.Drain(includeCurrent);
        if (clients.Count > 0)
        {
            context.Uploader.Enqueue(UploadKinds.ClientGroups, clients.ToArray(), EdgeReportJson.Default.ClientGroupCountRowArray);
        }

        var view = Core.Gtm.DnsNodeViews.Take(State.Metrics, context.Options.NodeId, context.Configuration.Current?.Version, State.Geo.Current?.Version.ToString(), context.TimeProvider.GetUtcNow());
        context.Uploader.Enqueue(UploadKinds.DnsView, view, EdgeReportJson.Default.DnsNodeView);
    }
}
