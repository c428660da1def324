using System.Net;
using Microsoft.Extensions.Logging;
using Speedera.Core.Probes;
using Speedera.Edge.Hosting;

namespace Speedera.Edge.Probe;

/// <summary>
/// A node's one end of the metric exchange: one sender, and one receiver on
/// <see cref="EdgeOptions.MetricsListen"/> shared by the roles that receive (the dns role takes
/// service metrics and latency, the probe role takes client groups). Started by the first role
/// that needs it, stopped with the node.
/// </summary>
public sealed class NodeExchange : IMetricSink, IClientGroupSink, IAsyncDisposable
{
    private readonly EdgeOptions options;
    private readonly ILoggerFactory loggerFactory;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim gate = new(1, 1);
    private MetricExchangeReceiver? receiver;
    private volatile IMetricSink? metrics;
    private volatile IClientGroupSink? clientGroups;

    public NodeExchange(EdgeOptions options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        this.options = options;
        this.loggerFactory = loggerFactory;
        this.time = time;
        var key = options.ExchangeKey ?? throw new InvalidOperationException("The metric exchange key is not set (--exchange-key-file or SPEEDERA_EXCHANGE_KEY).");
        Sender = new MetricExchangeSender(options.NodeId, key, time);
    }

    public MetricExchangeSender Sender { get; }

    public IPEndPoint? ListeningOn => receiver?.LocalEndpoint;

    public ExchangeCounters? Counters => receiver?.Counters;

    public async Task ReceiveMetricsAsync(IMetricSink sink, CancellationToken cancellationToken)
    {
        metrics = sink;
        await EnsureReceivingAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ReceiveClientGroupsAsync(IClientGroupSink sink, CancellationToken cancellationToken)
    {
        clientGroups = sink;
        await EnsureReceivingAsync(cancellationToken).ConfigureAwait(false);
    }

    public void ApplyServiceMetrics(IReadOnlyList<ServiceMetric> batch) => metrics?.ApplyServiceMetrics(batch);

    public void ApplyLatency(IReadOnlyList<LatencyMeasurement> measurements) => metrics?.ApplyLatency(measurements);

    public void ApplyClientGroups(string dnsNodeId, IReadOnlyList<ClientSighting> sightings) => clientGroups?.ApplyClientGroups(dnsNodeId, sightings);

    private async Task EnsureReceivingAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (receiver is null)
            {
                var started = new MetricExchangeReceiver(options.MetricsListen, options.ExchangeKey, this, this, time, loggerFactory.CreateLogger<MetricExchangeReceiver>());
                await started.StartAsync(cancellationToken).ConfigureAwait(false);
                receiver = started;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (receiver is not null)
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
        }

        Sender.Dispose();
        gate.Dispose();
    }
}
