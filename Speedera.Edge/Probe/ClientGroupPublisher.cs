using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.Configuration;
using Speedera.Core.Gtm;
using Speedera.Core.Probes;

namespace Speedera.Edge.Probe;

/// <summary>
/// Runs on a dns node: each send interval, drains the client groups the GTM engine has seen
/// (<see cref="ClientGroupTracker"/>) and sends them as a ClientGroups exchange message to every
/// latency probe in the configuration (patent: "at a regular interval the DnsServers ... send a
/// list of the DnsGroups and DnsClient IP addresses that have recently made requests back to the
/// NetProbe servers").
/// </summary>
public sealed partial class ClientGroupPublisher : IAsyncDisposable
{
    private readonly ClientGroupTracker _tracker;
    private readonly Func<NetworkConfiguration?> _config;
    private readonly MetricExchangeSender _sender;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyList<IPEndPoint>>? _endpointsOverride;
    private readonly LoopRunner _runner = new();

    public ClientGroupPublisher(
        ClientGroupTracker tracker,
        Func<NetworkConfiguration?> config,
        MetricExchangeSender sender,
        TimeProvider? time = null,
        ILogger<ClientGroupPublisher>? logger = null,
        Func<IReadOnlyList<IPEndPoint>>? latencyProbeEndpointsOverride = null)
    {
        _tracker = tracker;
        _config = config;
        _sender = sender;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<ClientGroupPublisher>.Instance;
        _endpointsOverride = latencyProbeEndpointsOverride;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _runner.Start(RunAsync, cancellationToken);
        return Task.CompletedTask;
    }

    public Task StopAsync() => _runner.StopAsync();

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Drains the tracker and sends once; returns how many groups went out.</summary>
    public async Task<int> PublishOnceAsync(CancellationToken cancellationToken)
    {
        var config = _config();
        var endpoints = _endpointsOverride?.Invoke() ?? (config is null ? [] : MetricExchangeSender.LatencyProbeEndpoints(config));
        if (endpoints.Count == 0)
        {
            return 0;
        }

        var seen = _tracker.Drain();
        var sightings = seen
            .Select(g => new ClientSighting(g.Group, g.SampleClient, (int)Math.Min(g.Requests, int.MaxValue)))
            .ToList();
        await _sender.SendClientGroupsAsync(sightings, endpoints, cancellationToken).ConfigureAwait(false);
        if (sightings.Count > 0)
        {
            Log.Published(_logger, sightings.Count, endpoints.Count);
        }

        return sightings.Count;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var interval = _config()?.Probes.SendInterval ?? TimeSpan.FromSeconds(1);
                await Task.Delay(interval, _time, ct).ConfigureAwait(false);
                await PublishOnceAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.Failed(_logger, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5501, Level = LogLevel.Debug, Message = "Sent {Count} client groups to {Probes} latency probes")]
        public static partial void Published(ILogger logger, int count, int probes);

        [LoggerMessage(EventId = 5502, Level = LogLevel.Error, Message = "Client group publishing failed")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
