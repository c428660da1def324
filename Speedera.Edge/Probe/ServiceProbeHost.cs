using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;

namespace Speedera.Edge.Probe;

public sealed class ServiceProbeOptions
{
    /// <summary>How often the scheduler looks for due tests and an expired send interval.</summary>
    public TimeSpan SchedulerTick { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Certificate check for HTTPS tests; null uses the system's chain validation. Customer
    /// servers are tested by address, so deployments usually validate against the host header.
    /// </summary>
    public RemoteCertificateValidationCallback? ServerCertificateValidation { get; init; }

    /// <summary>Where batches go besides the dns nodes (the control-plane uploader, for the NOC).</summary>
    public Action<IReadOnlyList<ServiceMetric>>? ControlPlane { get; init; }

    /// <summary>Overrides the dns endpoints taken from the configuration (tests, embedded mode).</summary>
    public Func<IReadOnlyList<IPEndPoint>>? DnsEndpointsOverride { get; init; }

    /// <summary>Creates the sockets tests are made with (default: ordinary sockets).</summary>
    public SocketFactory? SocketFactory { get; init; }
}

/// <summary>
/// The service probe role (patent: SERVPD). Finds the POPs this node probes
/// (<see cref="ProbeSettings.ServiceProbeNodes"/>), tests every service of every server there at
/// the service's interval, and sends the results in batches — when the encoded batch reaches
/// <see cref="ProbeSettings.SendSize"/> bytes or <see cref="ProbeSettings.SendInterval"/> expires —
/// to every dns node's MetricsEndpoint and to the control plane. The configuration is re-read on
/// every tick, so a new version takes effect without a restart.
/// </summary>
public sealed partial class ServiceProbeHost : IAsyncDisposable
{
    private readonly string _nodeId;
    private readonly Func<NetworkConfiguration?> _config;
    private readonly MetricExchangeSender _sender;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ServiceProbeOptions _options;
    private readonly ServiceTester _tester;
    private readonly Dictionary<ServiceKey, DateTimeOffset> _nextDue = [];
    private readonly ConcurrentDictionary<ServiceKey, Task> _running = new();
    private readonly List<ServiceMetric> _pending = [];
    private readonly Lock _pendingLock = new();
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private int _pendingBytes;
    private DateTimeOffset _lastFlush;
    private readonly LoopRunner _runner = new();
    private long _testsRun;
    private readonly long[] _results = new long[(int)ProbeError.Other + 1];

    public ServiceProbeHost(
        string nodeId,
        Func<NetworkConfiguration?> config,
        MetricExchangeSender sender,
        TimeProvider? time = null,
        ILogger<ServiceProbeHost>? logger = null,
        ServiceProbeOptions? options = null)
    {
        _nodeId = nodeId;
        _config = config;
        _sender = sender;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<ServiceProbeHost>.Instance;
        _options = options ?? new ServiceProbeOptions();
        var guards = new Security.TargetGuardSource(config);
        _tester = new ServiceTester(_time, _options.ServerCertificateValidation, _options.SocketFactory, () => guards.Current, _logger);
    }

    public string NodeId => _nodeId;

    public long TestsRun => Interlocked.Read(ref _testsRun);

    /// <summary>Tests run since start that ended with <paramref name="error"/> (<see cref="ProbeError.None"/>: the service is up).</summary>
    public long Results(ProbeError error) => (int)error < _results.Length ? Interlocked.Read(ref _results[(int)error]) : 0;

    /// <summary>The services this node tests under a configuration (for the NOC page and tests).</summary>
    public static IReadOnlyList<(Server Server, ServiceCheck Check)> AssignedServices(NetworkConfiguration config, string nodeId)
    {
        var pops = config.Probes.ServiceProbeNodes
            .Where(kv => kv.Value.Contains(nodeId, StringComparer.Ordinal))
            .Select(kv => kv.Key)
            .ToHashSet(StringComparer.Ordinal);
        return config.Servers
            .Where(s => pops.Contains(s.PopId))
            .SelectMany(s => s.Services.Where(c => c.Type != ServiceType.Switch).Select(c => (s, c)))
            .ToList();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lastFlush = _time.GetUtcNow();
        _runner.Start(RunAsync, cancellationToken);
        return Task.CompletedTask;
    }

    /// <summary>Stops scheduling, waits for running tests and sends what is pending.</summary>
    public Task StopAsync()
        => _runner.StopAsync(async () =>
        {
            await Task.WhenAll(_running.Values).ConfigureAwait(false);
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        });

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private Task RunAsync(CancellationToken ct) => ProbeLoop.RunAsync(
        _config,
        ScheduleDueTests,
        FlushAsync,
        () => _lastFlush,
        _options.SchedulerTick,
        _time,
        ex => Log.LoopFailed(_logger, ex),
        ct);

    private void ScheduleDueTests(NetworkConfiguration config, CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var current = new HashSet<ServiceKey>();
        foreach (var (server, check) in AssignedServices(config, _nodeId))
        {
            var key = new ServiceKey(server.Id, check.Id);
            current.Add(key);
            if (_running.ContainsKey(key) || (_nextDue.TryGetValue(key, out var due) && due > now))
            {
                continue;
            }

            var interval = check.Interval > TimeSpan.Zero ? check.Interval : config.Probes.DefaultServiceInterval;
            var timeout = check.Timeout > TimeSpan.Zero ? check.Timeout : config.Probes.DefaultServiceTimeout;
            _nextDue[key] = now + interval;
            var sendSize = config.Probes.SendSize;
            _running[key] = RunTestAsync(key, server, check, timeout, sendSize, ct);
        }

        foreach (var gone in _nextDue.Keys.Where(k => !current.Contains(k)).ToList())
        {
            _nextDue.Remove(gone);
        }
    }

    private async Task RunTestAsync(ServiceKey key, Server server, ServiceCheck check, TimeSpan timeout, int sendSize, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            var metric = await _tester.TestAsync(server, check, timeout, _nodeId, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _testsRun);
            Interlocked.Increment(ref _results[Math.Clamp((int)metric.Error, 0, _results.Length - 1)]);
            Log.Tested(_logger, server.Id, check.Id, metric.Value, metric.Error);
            bool full;
            lock (_pendingLock)
            {
                _pending.Add(metric);
                _pendingBytes += MetricExchangeCodec.EntryBytes(metric);
                full = MetricExchangeCodec.HeaderBytes(_nodeId) + MetricExchangeCodec.MacBytes + _pendingBytes >= EffectiveSendSize(sendSize);
            }

            if (full)
            {
                await FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, ex);
        }
        finally
        {
            _running.TryRemove(key, out _);
        }
    }

    /// <summary>
    /// SendSize is the patent's "maximum size of an individual server metric update in bytes";
    /// it is kept between a minimal message and the exchange's datagram limit.
    /// </summary>
    internal static int EffectiveSendSize(int sendSize) =>
        Math.Clamp(sendSize, MetricExchangeCodec.MinMessageBytes + 64, MetricExchangeCodec.MaxMessageBytes);

    /// <summary>Cuts a batch into updates of at most <paramref name="maxBytes"/> encoded bytes each.</summary>
    internal IEnumerable<List<ServiceMetric>> SplitBySize(List<ServiceMetric> batch, int maxBytes)
    {
        var room = maxBytes - MetricExchangeCodec.HeaderBytes(_nodeId) - MetricExchangeCodec.MacBytes;
        var current = new List<ServiceMetric>();
        var bytes = 0;
        foreach (var metric in batch)
        {
            var entry = MetricExchangeCodec.EntryBytes(metric);
            if (current.Count > 0 && bytes + entry > room)
            {
                yield return current;
                current = [];
                bytes = 0;
            }

            current.Add(metric);
            bytes += entry;
        }

        if (current.Count > 0)
        {
            yield return current;
        }
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        await _flushLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            List<ServiceMetric> batch;
            lock (_pendingLock)
            {
                _lastFlush = _time.GetUtcNow();
                if (_pending.Count == 0)
                {
                    return;
                }

                batch = [.. _pending];
                _pending.Clear();
                _pendingBytes = 0;
            }

            var config = _config();
            var endpoints = _options.DnsEndpointsOverride?.Invoke()
                ?? (config is null ? [] : MetricExchangeSender.DnsEndpoints(config));
            foreach (var update in SplitBySize(batch, EffectiveSendSize(config?.Probes.SendSize ?? MetricExchangeCodec.MaxMessageBytes)))
            {
                await _sender.SendServiceMetricsAsync(update, endpoints, ct).ConfigureAwait(false);
            }

            try
            {
                _options.ControlPlane?.Invoke(batch);
            }
            catch (Exception ex)
            {
                Log.ControlPlaneFailed(_logger, ex);
            }

            Log.Sent(_logger, batch.Count, endpoints.Count);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _flushLock.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5301, Level = LogLevel.Debug, Message = "Service {ServerId}/{ServiceId} tested: {Value} ({Error})")]
        public static partial void Tested(ILogger logger, string serverId, string serviceId, int value, ProbeError error);

        [LoggerMessage(EventId = 5302, Level = LogLevel.Debug, Message = "Sent {Count} service metrics to {DnsNodes} dns nodes")]
        public static partial void Sent(ILogger logger, int count, int dnsNodes);

        [LoggerMessage(EventId = 5303, Level = LogLevel.Error, Message = "Service probe loop failed")]
        public static partial void LoopFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 5304, Level = LogLevel.Warning, Message = "Control-plane metric handler failed")]
        public static partial void ControlPlaneFailed(ILogger logger, Exception exception);
    }
}
