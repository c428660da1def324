using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.Configuration;
using Speedera.Edge.Dns;
using Speedera.Edge.Probe;

namespace Speedera.Tests.Integration.Probes;

/// <summary>
/// The whole steering loop, for real: an origin per POP (plus a hidden failover origin in POP 3),
/// a service probe and a latency probe per POP, the metric exchange, and a dns node (DnsServerHost
/// with the GTM engine, fed by a MetricExchangeReceiver, sending client groups back with a
/// ClientGroupPublisher). The topology decides where each socket lives.
/// </summary>
internal sealed class GtmScenario : IAsyncDisposable
{
    public const string Hostname = "www.e2e.test";
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(1);

    private readonly IScenarioTopology _topology;
    private readonly Action<string> _log;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ScenarioOrigin?[] _origins = new ScenarioOrigin?[5];
    private readonly int[] _ports = new int[5];
    private readonly List<IAsyncDisposable> _parts = [];
    private readonly List<IDisposable> _senders = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private NetworkConfiguration? _config;
    private DnsTestClient? _dns;
    private string? _lastLogged;

    private GtmScenario(IScenarioTopology topology, Action<string> log)
    {
        _topology = topology;
        _log = log;
    }

    public IScenarioTopology Topology => _topology;

    public TimeSpan ServiceInterval { get; private init; }

    public TimeSpan MetricStaleAfter { get; private init; }

    /// <summary>Server 1..3 is POP i's origin; 4 is the hidden failover server in POP 3.</summary>
    public IPAddress ServerAddress(int server) => server == 4 ? _topology.HiddenAddress : _topology.PopAddress(server);

    public string Describe(IReadOnlyList<IPAddress>? answer) =>
        answer is null ? "no answer" : answer.Count == 0 ? "empty" : string.Join(",", answer.Select(a => $"{a}({Name(a)})"));

    public string Name(IPAddress address) =>
        Enumerable.Range(1, 4).FirstOrDefault(s => ServerAddress(s).Equals(address)) switch
        {
            0 => "unknown",
            4 => "hidden",
            var s => $"pop-{s}",
        };

    public static async Task<GtmScenario> StartAsync(IScenarioTopology topology, Action<string> log, TimeSpan serviceInterval, TimeSpan metricStaleAfter, TimeSpan latencyStaleAfter)
    {
        var s = new GtmScenario(topology, log) { ServiceInterval = serviceInterval, MetricStaleAfter = metricStaleAfter };
        try
        {
            await s.StartPartsAsync(latencyStaleAfter);
            return s;
        }
        catch
        {
            await s.DisposeAsync();
            throw;
        }
    }

    public async Task StartOriginAsync(int server)
    {
        var pop = server == 4 ? 3 : server;
        var origin = await ScenarioOrigin.StartAsync(_topology.PopSockets(pop), new IPEndPoint(ServerAddress(server), _ports[server] != 0 ? _ports[server] : _topology.OriginPort), $"origin {server}");
        _ports[server] = origin.Endpoint.Port;
        _origins[server] = origin;
    }

    public async Task StopOriginAsync(int server)
    {
        if (_origins[server] is { } origin)
        {
            _origins[server] = null;
            await origin.DisposeAsync();
        }
    }

    public Task SetDelayAsync(int pop, TimeSpan oneWay)
    {
        Log($"set POP {pop} one-way delay to {oneWay.TotalMilliseconds} ms");
        return _topology.SetDelayAsync(pop, oneWay);
    }

    public Task<IReadOnlyList<IPAddress>?> QueryAsync() => _dns!.QueryAsync(Hostname, QueryTimeout);

    /// <summary>Queries until <paramref name="accept"/> holds for an answer; logs every change of answer.</summary>
    public async Task<(TimeSpan Took, IReadOnlyList<IPAddress> Answer)> WaitForAnswerAsync(string step, Func<IReadOnlyList<IPAddress>, bool> accept, TimeSpan within, TimeSpan? pollEvery = null)
    {
        Log($"step: {step}");
        var started = Stopwatch.StartNew();
        IReadOnlyList<IPAddress>? last = null;
        while (started.Elapsed < within)
        {
            last = await QueryAsync();
            LogAnswer(last);
            if (last is not null && accept(last))
            {
                Log($"  -> {Describe(last)} after {started.Elapsed.TotalMilliseconds:F0} ms");
                return (started.Elapsed, last);
            }

            await Task.Delay(pollEvery ?? TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"{step}: no acceptable answer within {within}; last {Describe(last)}");
    }

    /// <summary>
    /// Queries until every answer has been <paramref name="expected"/> for <paramref name="stableFor"/>
    /// (latency-driven moves settle once each POP's first measurement is in and fresh).
    /// </summary>
    public async Task<TimeSpan> WaitForStableAnswerAsync(string step, IPAddress expected, TimeSpan within, TimeSpan stableFor)
    {
        Log($"step: {step}");
        var started = Stopwatch.StartNew();
        TimeSpan? since = null;
        IReadOnlyList<IPAddress>? last = null;
        while (started.Elapsed < within)
        {
            last = await QueryAsync();
            LogAnswer(last);
            var ok = last is { Count: > 0 } && last.All(a => a.Equals(expected));
            since = ok ? since ?? started.Elapsed : null;
            if (since is { } first && started.Elapsed - first >= stableFor)
            {
                Log($"  -> {Describe(last)} since {first.TotalMilliseconds:F0} ms, stable for {stableFor.TotalSeconds:F0} s");
                return first;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{step}: answers not stable on {expected} within {within}; last {Describe(last)}");
    }

    public void Log(string line) => _log($"[{_topology.Kind} {_clock.Elapsed.TotalSeconds,7:F2}s] {line}");

    public void LogAnswer(IReadOnlyList<IPAddress>? answer)
    {
        var text = Describe(answer);
        if (text != _lastLogged)
        {
            _lastLogged = text;
            Log($"  answer {text}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _parts.Count - 1; i >= 0; i--)
        {
            await _parts[i].DisposeAsync();
        }

        for (var server = 1; server <= 4; server++)
        {
            await StopOriginAsync(server);
        }

        _senders.ForEach(s => s.Dispose());
    }

    private async Task StartPartsAsync(TimeSpan latencyStaleAfter)
    {
        for (var server = 1; server <= 4; server++)
        {
            await StartOriginAsync(server);
        }

        // The dns node, beside the client.
        var state = new DnsNodeState(TimeProvider.System);
        var dnsHost = new DnsServerHost(
            new DnsServerOptions { Endpoint = new IPEndPoint(_topology.ClientAddress, 0), RateLimitResponsesPerSecond = 0, UdpReceiveLoops = 2 },
            () => _config,
            state,
            NullLoggerFactory.Instance);
        _topology.InClient(() => dnsHost.StartAsync(CancellationToken.None)).GetAwaiter().GetResult();
        _parts.Add(dnsHost);
        var metricsIn = new MetricExchangeReceiver(new IPEndPoint(_topology.ClientAddress, 0), _key, new LoggingSink(state.Metrics, this), null, socketFactory: _topology.ClientSockets);
        await metricsIn.StartAsync(CancellationToken.None);
        _parts.Add(metricsIn);
        _dns = new DnsTestClient(_topology.ClientSockets, _topology.ClientAddress, dnsHost.BoundEndPoint!);

        // Per POP: the latency probe's receiver for client groups, its host, the service probe.
        var latencyHosts = new LatencyProbeHost[3];
        var latencyIn = new MetricExchangeReceiver[3];
        var probeSenders = new MetricExchangeSender[3];
        for (var pop = 1; pop <= 3; pop++)
        {
            probeSenders[pop - 1] = new MetricExchangeSender($"probe-{pop}", _key, socketFactory: _topology.PopSockets(pop));
            _senders.Add(probeSenders[pop - 1]);
            latencyHosts[pop - 1] = new LatencyProbeHost($"probe-{pop}", () => _config, probeSenders[pop - 1], options: new LatencyProbeOptions
            {
                Prober = _topology.LatencyProber(pop),
                RetryAfterFailure = TimeSpan.FromSeconds(1),
                SchedulerTick = TimeSpan.FromMilliseconds(50),
            });
            latencyIn[pop - 1] = new MetricExchangeReceiver(new IPEndPoint(_topology.PopAddress(pop), 0), _key, null, latencyHosts[pop - 1], socketFactory: _topology.PopSockets(pop));
            await latencyIn[pop - 1].StartAsync(CancellationToken.None);
            _parts.Add(latencyIn[pop - 1]);
        }

        _config = BuildConfig(metricsIn.LocalEndpoint, dnsHost.BoundEndPoint!, latencyIn.Select(r => r.LocalEndpoint).ToArray(), latencyStaleAfter);

        for (var pop = 1; pop <= 3; pop++)
        {
            await latencyHosts[pop - 1].StartAsync(CancellationToken.None);
            _parts.Add(latencyHosts[pop - 1]);
            var serviceHost = new ServiceProbeHost($"probe-{pop}", () => _config, probeSenders[pop - 1], options: new ServiceProbeOptions
            {
                SocketFactory = _topology.PopSockets(pop),
                SchedulerTick = TimeSpan.FromMilliseconds(20),
            });
            await serviceHost.StartAsync(CancellationToken.None);
            _parts.Add(serviceHost);
        }

        var dnsSender = new MetricExchangeSender("dns-1", _key, socketFactory: _topology.ClientSockets);
        _senders.Add(dnsSender);
        var publisher = new ClientGroupPublisher(state.ClientGroups, () => _config, dnsSender);
        await publisher.StartAsync(CancellationToken.None);
        _parts.Add(publisher);
        Log($"started: dns {dnsHost.BoundEndPoint}, metrics {metricsIn.LocalEndpoint}, origins {string.Join(" ", Enumerable.Range(1, 4).Select(s => $"{ServerAddress(s)}:{_ports[s]}"))}");
    }

    private NetworkConfiguration BuildConfig(IPEndPoint metrics, IPEndPoint dns, IPEndPoint[] latencyEndpoints, TimeSpan latencyStaleAfter)
    {
        // A generous timeout: this machine is shared and often loaded far beyond its two cores;
        // a stopped origin refuses at once, so failover does not wait for it.
        ServiceCheck Http(int server) => new("http", ServiceType.Http, _ports[server], "/", null, 200, $"origin {server}", ServiceInterval, TimeSpan.FromSeconds(2));
        var servers = new List<Server>
        {
            new("web-1", "pop-1", ServerAddress(1).ToString(), ServerKind.Customer, [Http(1)]),
            new("web-2", "pop-2", ServerAddress(2).ToString(), ServerKind.Customer, [Http(2)]),
            new("web-3", "pop-3", ServerAddress(3).ToString(), ServerKind.Customer, [Http(3)]),
            new("web-h", "pop-3", ServerAddress(4).ToString(), ServerKind.Customer, [Http(4)]),
        };
        var nodes = new List<EdgeNode> { new("dns-1", "pop-1", NodeRoles.Dns, dns.ToString(), metrics.ToString(), null, null) };
        nodes.AddRange(Enumerable.Range(1, 3).Select(p => new EdgeNode($"probe-{p}", $"pop-{p}", NodeRoles.Probe, null, latencyEndpoints[p - 1].ToString(), null, null)));
        var assigned = Enumerable.Range(1, 3).ToDictionary(p => $"pop-{p}", p => (IReadOnlyList<string>)[$"probe-{p}"]);
        return new NetworkConfiguration
        {
            AllowPrivateTargets = true,
            Version = 1,
            GeneratedAt = DateTimeOffset.UtcNow,
            Pops = [.. Enumerable.Range(1, 3).Select(p => new Pop($"pop-{p}", $"POP {p}", "City", "ZZ", 0, 0, "net"))],
            Servers = servers,
            Nodes = nodes,
            Zones =
            [
                new Zone("e2e.test",
                    new SoaData("ns1.e2e.test", "hostmaster.e2e.test", 1, TimeSpan.FromHours(1), TimeSpan.FromMinutes(10), TimeSpan.FromDays(7), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)),
                    [new NameServer("ns1.e2e.test", [dns.Address.ToString()], TimeSpan.FromDays(1))],
                    []),
            ],
            Hostnames =
            [
                new Hostname
                {
                    Name = Hostname,
                    Zone = "e2e.test",
                    Services = HostnameServices.Gtm,
                    Ttl = TimeSpan.FromSeconds(1),
                    UseLatency = true,
                    Candidates = [new("web-1", "http", 1, false), new("web-2", "http", 1, false), new("web-3", "http", 1, false), new("web-h", "http", 1, true)],
                    Persistence = PersistenceSettings.Off,
                    StaticMappings = [],
                },
            ],
            Probes = new ProbeSettings(
                DefaultServiceInterval: ServiceInterval,
                DefaultServiceTimeout: TimeSpan.FromSeconds(2),
                SendSize: 1400,
                SendInterval: TimeSpan.FromMilliseconds(100),
                MetricStaleAfter: MetricStaleAfter,
                LatencyStaleAfter: latencyStaleAfter,
                LatencyTimeout: TimeSpan.FromSeconds(1),
                LatencyMethods: [LatencyMethod.Icmp, LatencyMethod.TcpDns],
                ServiceProbeNodes: assigned,
                LatencyProbeNodes: assigned),
        };
    }

    /// <summary>Forwards to the dns node's metric store and logs what arrives, for the scenario log.</summary>
    private sealed class LoggingSink(Speedera.Core.Probes.IMetricSink inner, GtmScenario scenario) : Speedera.Core.Probes.IMetricSink
    {
        private readonly Dictionary<string, bool> _failed = [];

        public void ApplyServiceMetrics(IReadOnlyList<Speedera.Core.Probes.ServiceMetric> metrics)
        {
            lock (_failed)
            {
                foreach (var m in metrics)
                {
                    if (!_failed.TryGetValue(m.Key.ServerId, out var was) || was != m.Failed)
                    {
                        _failed[m.Key.ServerId] = m.Failed;
                        scenario.Log($"  service {m.Key.ServerId}/{m.Key.ServiceId}: {(m.Failed ? $"FAILED ({m.Error})" : $"up, {m.Value} ms")}");
                    }
                }
            }

            inner.ApplyServiceMetrics(metrics);
        }

        public void ApplyLatency(IReadOnlyList<Speedera.Core.Probes.LatencyMeasurement> measurements)
        {
            foreach (var m in measurements)
            {
                scenario.Log($"  latency {m.PopId} -> {m.ClientGroup}: {m.RoundTrip.TotalMilliseconds:F1} ms {m.Quality}");
            }

            inner.ApplyLatency(measurements);
        }
    }
}
