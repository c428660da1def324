using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;

namespace Speedera.Edge.Probe;

public sealed class LatencyProbeOptions
{
    public TimeSpan SchedulerTick { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Probes in flight at once across all tables.</summary>
    public int MaxConcurrentProbes { get; init; } = 16;

    /// <summary>When every method failed for a group's clients, wait this long before trying again.</summary>
    public TimeSpan RetryAfterFailure { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Directory where tables are saved on stop and loaded on start; null keeps them in memory only.</summary>
    public string? DataDirectory { get; init; }

    public ILatencyProber? Prober { get; init; }

    /// <summary>Overrides the dns endpoints taken from the configuration (tests, embedded mode).</summary>
    public Func<IReadOnlyList<IPEndPoint>>? DnsEndpointsOverride { get; init; }
}

/// <summary>
/// The latency probe role (patent: LATNPD). Keeps a <see cref="LatencyTable"/> for each POP this
/// node is the latency probe of (<see cref="ProbeSettings.LatencyProbeNodes"/>), fills it from the
/// client groups dns nodes report (it is the <see cref="IClientGroupSink"/> of a
/// <see cref="MetricExchangeReceiver"/>), probes stale rows with the configured methods and sends
/// new measurements to every dns node each send interval.
/// </summary>
public sealed partial class LatencyProbeHost : IClientGroupSink, IAsyncDisposable
{
    private readonly string _nodeId;
    private readonly Func<NetworkConfiguration?> _config;
    private readonly MetricExchangeSender _sender;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LatencyProbeOptions _options;
    private readonly ILatencyProber _prober;
    private readonly ConcurrentDictionary<string, LatencyTable> _tables = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly ConcurrentQueue<LatencyMeasurement> _pending = new();
    private readonly SemaphoreSlim _slots;
    private DateTimeOffset _lastFlush;
    private readonly LoopRunner _runner = new();

    public LatencyProbeHost(
        string nodeId,
        Func<NetworkConfiguration?> config,
        MetricExchangeSender sender,
        TimeProvider? time = null,
        ILogger<LatencyProbeHost>? logger = null,
        LatencyProbeOptions? options = null)
    {
        _nodeId = nodeId;
        _config = config;
        _sender = sender;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<LatencyProbeHost>.Instance;
        _options = options ?? new LatencyProbeOptions();
        _prober = _options.Prober ?? new LatencyProber();
        _slots = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentProbes));
    }

    /// <summary>The table of each POP this node probes for (NOC page: size and freshness).</summary>
    public IReadOnlyDictionary<string, LatencyTable> Tables => _tables;

    public void ApplyClientGroups(string dnsNodeId, IReadOnlyList<ClientSighting> sightings)
    {
        EnsureTables();
        foreach (var table in _tables.Values)
        {
            table.Observe(sightings);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        EnsureTables();
        _lastFlush = _time.GetUtcNow();
        _runner.Start(RunAsync, cancellationToken);
        return Task.CompletedTask;
    }

    public Task StopAsync()
        => _runner.StopAsync(async () =>
        {
            await Task.WhenAll(_running.Keys).ConfigureAwait(false);
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
            Save();
        });

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    internal static string TableFileName(string popId) => $"latency-probe-{string.Concat(popId.Where(char.IsAsciiLetterOrDigit))}.tsv";

    private void EnsureTables()
    {
        var config = _config();
        if (config is null)
        {
            return;
        }

        foreach (var (popId, nodes) in config.Probes.LatencyProbeNodes)
        {
            if (!nodes.Contains(_nodeId, StringComparer.Ordinal) || _tables.ContainsKey(popId))
            {
                continue;
            }

            var table = new LatencyTable(popId, _nodeId, _time, config.Probes.LatencyStaleAfter, _options.RetryAfterFailure);
            if (_options.DataDirectory is not null)
            {
                try
                {
                    table.Restore(LatencyTableFile.Load(Path.Combine(_options.DataDirectory, TableFileName(popId))));
                }
                catch (IOException ex)
                {
                    Log.PersistFailed(_logger, ex);
                }
            }

            _tables.TryAdd(popId, table);
        }
    }

    private void Save()
    {
        if (_options.DataDirectory is null)
        {
            return;
        }

        foreach (var (popId, table) in _tables)
        {
            try
            {
                LatencyTableFile.Save(Path.Combine(_options.DataDirectory, TableFileName(popId)), table.Measurements());
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Log.PersistFailed(_logger, ex);
            }
        }
    }

    private Task RunAsync(CancellationToken ct) => ProbeLoop.RunAsync(
        () =>
        {
            EnsureTables();
            return _config();
        },
        StartDueProbes,
        FlushAsync,
        () => _lastFlush,
        _options.SchedulerTick,
        _time,
        ex => Log.LoopFailed(_logger, ex),
        ct);

    private void StartDueProbes(NetworkConfiguration config, CancellationToken ct)
    {
        foreach (var table in _tables.Values)
        {
            var free = _slots.CurrentCount;
            if (free == 0)
            {
                return;
            }

            foreach (var target in table.TakeDue(free))
            {
                _slots.Wait(CancellationToken.None);
                var task = ProbeOneAsync(table, target, config.Probes.LatencyMethods, config.Probes.LatencyTimeout, ct);
                _running.TryAdd(task, 0);
                _ = task.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private async Task ProbeOneAsync(LatencyTable table, LatencyProbeTarget target, IReadOnlyList<LatencyMethod> methods, TimeSpan timeout, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            LatencyProbeResult? result = null;
            if (IPAddress.TryParse(target.ClientAddress, out var address))
            {
                result = await _prober.ProbeAsync(address, methods, timeout, ct).ConfigureAwait(false);
            }

            var measurement = table.Record(target, result);
            Log.Probed(_logger, target.ClientGroup, target.ClientAddress, result?.Method, result?.RoundTrip.TotalMilliseconds ?? -1);
            if (measurement is not null)
            {
                _pending.Enqueue(measurement);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            table.Record(target, null);
        }
        catch (Exception ex)
        {
            table.Record(target, null);
            Log.LoopFailed(_logger, ex);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        _lastFlush = _time.GetUtcNow();
        var batch = new List<LatencyMeasurement>();
        while (_pending.TryDequeue(out var m))
        {
            batch.Add(m);
        }

        if (batch.Count == 0)
        {
            return;
        }

        var config = _config();
        var endpoints = _options.DnsEndpointsOverride?.Invoke() ?? (config is null ? [] : MetricExchangeSender.DnsEndpoints(config));
        try
        {
            await _sender.SendLatencyAsync(batch, endpoints, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5401, Level = LogLevel.Debug, Message = "Latency to {Group} via {Address}: {Method} {RoundTripMs} ms")]
        public static partial void Probed(ILogger logger, string group, string address, LatencyMethodUsed? method, double roundTripMs);

        [LoggerMessage(EventId = 5402, Level = LogLevel.Error, Message = "Latency probe loop failed")]
        public static partial void LoopFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 5403, Level = LogLevel.Warning, Message = "Latency table could not be saved or loaded")]
        public static partial void PersistFailed(ILogger logger, Exception exception);
    }
}
