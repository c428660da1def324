using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Speedera.Core.ControlPlane;
using Speedera.Core.Probes;
using Speedera.Core.Reports;
using Speedera.Edge.ControlPlane;
using Speedera.Edge.Hosting;

namespace Speedera.Edge.Probe;

/// <summary>
/// The probe role: service probes for the POPs this node is assigned, results pushed to every dns
/// node and sent home; latency probes for the client groups the dns nodes report.
/// </summary>
public sealed class ProbeRole : IEdgeRole
{
    private readonly EdgeRoleContext context;
    private readonly NodeExchange exchange;
    private ServiceProbeHost? services;
    private LatencyProbeHost? latency;
    private PageCheck.PageCheckWorker? pageChecks;
    private CancellationTokenSource? pageCheckStop;
    private Task pageCheckLoop = Task.CompletedTask;

    public ProbeRole(EdgeRoleContext context)
    {
        this.context = context;
        exchange = context.Services.GetRequiredService<NodeExchange>();
    }

    public string Name => "probe";

    public LatencyProbeHost? Latency => latency;

    public ServiceProbeHost? Services => services;

    /// <summary>Service tests run, and per POP the latency table's size and the age of its newest measurement (NOC Probes page).</summary>
    public RoleHealth Health => services is null
        ? RoleHealth.Starting
        : new RoleHealth(RoleStatus.Healthy, $"{services.TestsRun} service tests; latency tables: {LatencySummary()}");

    private string LatencySummary()
    {
        if (latency is null || latency.Tables.Count == 0)
        {
            return "none";
        }

        var now = context.TimeProvider.GetUtcNow();
        return string.Join(", ", latency.Tables.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t =>
        {
            var newest = t.Value.Measurements().Select(m => m.MeasuredAt).DefaultIfEmpty().Max();
            return newest == default
                ? $"{t.Key} {t.Value.Count} groups (none measured yet)"
                : $"{t.Key} {t.Value.Count} groups (newest {(now - newest).TotalSeconds:0} s old)";
        }));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Func<Speedera.Core.Configuration.NetworkConfiguration?> config = () => context.Configuration.Current?.Configuration;
        services = new ServiceProbeHost(
            context.Options.NodeId,
            config,
            exchange.Sender,
            context.TimeProvider,
            context.LoggerFactory.CreateLogger<ServiceProbeHost>(),
            new ServiceProbeOptions { ControlPlane = SendHome });
        latency = new LatencyProbeHost(
            context.Options.NodeId,
            config,
            exchange.Sender,
            context.TimeProvider,
            context.LoggerFactory.CreateLogger<LatencyProbeHost>(),
            new LatencyProbeOptions { DataDirectory = Path.Combine(context.Options.DataDirectory, "latency") });
        await exchange.ReceiveClientGroupsAsync(latency, cancellationToken).ConfigureAwait(false);
        await services.StartAsync(cancellationToken).ConfigureAwait(false);
        await latency.StartAsync(cancellationToken).ConfigureAwait(false);
        StartPageChecks(config);
    }

    /// <summary>The page-check agent: only on a node that talks to a control plane (jobs come from there).</summary>
    private void StartPageChecks(Func<Speedera.Core.Configuration.NetworkConfiguration?> config)
    {
        if (context.Services.GetService<ControlPlaneConnection>() is not { } connection)
        {
            return;
        }

        var options = context.Services.GetService<PageCheck.PageCheckAgentOptions>() ?? new PageCheck.PageCheckAgentOptions();
        var guards = new Security.TargetGuardSource(config);
        var agent = new PageCheck.PageCheckAgent(config, () => guards.Current, options, context.TimeProvider, context.LoggerFactory.CreateLogger<PageCheck.PageCheckAgent>());
        pageChecks = new PageCheck.PageCheckWorker(connection.Client, agent, context.Uploader, context.Options.NodeId, options, context.Options.RetryDelay, context.TimeProvider, context.LoggerFactory.CreateLogger<PageCheck.PageCheckWorker>());
        pageCheckStop = new CancellationTokenSource();
        pageCheckLoop = Task.Run(() => pageChecks.RunAsync(pageCheckStop.Token));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (pageCheckStop is not null)
        {
            await pageCheckStop.CancelAsync().ConfigureAwait(false);
            await pageCheckLoop.ConfigureAwait(false);
            pageCheckStop.Dispose();
            pageCheckStop = null;
        }

        if (services is not null)
        {
            await services.StopAsync().ConfigureAwait(false);
        }

        if (latency is not null)
        {
            await latency.StopAsync().ConfigureAwait(false);
        }
    }

    private void SendHome(IReadOnlyList<ServiceMetric> metrics) =>
        context.Uploader.Enqueue(UploadKinds.ProbeResults, metrics.ToArray(), EdgeReportJson.Default.ServiceMetricArray);
}
