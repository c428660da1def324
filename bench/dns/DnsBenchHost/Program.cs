using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using DnsBenchHost;
using Microsoft.Extensions.Logging;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Speedera.Edge.Dns;
using Speedera.Edge.Telemetry;

// Usage: DnsBenchHost [--port N] [--udp-threads N] [--udp-batching 0|1] [--udp-sockets N] [--udp-on-demand 0|1]   serve bench.test on 127.0.0.1:N until stopped
//        DnsBenchHost --micro [--queries N] [--no-metrics]   in-process parse -> decide -> serialize timing
//        (with the DNS meter exported as on a node with a status listener, unless --no-metrics)
var micro = args.Contains("--micro");
int port = ArgValue("--port", 8053);
var config = BenchNetwork.Create();
var state = new DnsNodeState(TimeProvider.System);
state.Metrics.ApplyServiceMetrics(BenchNetwork.Healthy(DateTimeOffset.UtcNow));
state.Metrics.ApplyLatency(BenchNetwork.Latency(DateTimeOffset.UtcNow));
using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
var options = new DnsServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, port), RateLimitResponsesPerSecond = 0, UdpReceiveLoops = ArgValue("--udp-threads", 0), UdpBatching = ArgValue("--udp-batching", 1) != 0, UdpSockets = ArgValue("--udp-sockets", 0), UdpHelpersOnDemand = ArgValue("--udp-on-demand", 1) != 0 };
var host = new DnsServerHost(options, () => config, state, loggerFactory);

// Region routing needs the geo data: compiled from tools/geodata as the control plane does (unless --no-geo).
if (!args.Contains("--no-geo") && Speedera.Web.Features.Gtm.Geo.GeoDataCompiler.FindSourceDirectory() is { } geoSource)
{
    var geo = Speedera.Web.Features.Gtm.Geo.GeoDataCompiler.Compile(geoSource);
    state.Geo.Set(geo);
    Console.WriteLine($"geo data {geo.Source}: {geo.V4RangeCount} IPv4 and {geo.V6RangeCount} IPv6 ranges");
}
else
{
    Console.WriteLine("geo data: none (region.bench.test answers its default)");
}

if (micro)
{
    // The node's own wiring: EdgeMetrics hands the stats its latency histogram, an OpenTelemetry provider collects it.
    using var meter = new Meter(EdgeTelemetry.DnsMeterName);
    using var provider = args.Contains("--no-metrics") ? null
        : Sdk.CreateMeterProviderBuilder().AddMeter(EdgeTelemetry.DnsMeterName).AddPrometheusExporter().Build();
    if (provider is not null)
    {
        host.Stats.Latency = meter.CreateHistogram<double>("speedera.dns.duration", "s");
    }

    Console.WriteLine($"micro: metrics {(provider is null ? "off" : $"exported (latency timed for one query in {DnsServerStats.LatencySampleEvery})")}");
    RunMicro(host.CreateProcessor(), ArgValue("--queries", 2_000_000));
    return;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
// SIGTERM (what run.sh sends) stops the server gracefully so the statistics below get printed.
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
await host.StartAsync(stop.Token);
Console.WriteLine($"listening {host.BoundEndPoint}");
using var refresh = new PeriodicTimer(TimeSpan.FromSeconds(5));
try
{
    // Stand in for the probes: keep the service metrics fresh so candidates stay up.
    while (await refresh.WaitForNextTickAsync(stop.Token))
    {
        state.Metrics.ApplyServiceMetrics(BenchNetwork.Healthy(DateTimeOffset.UtcNow));
    }
}
catch (OperationCanceledException)
{
}

await host.StopAsync(CancellationToken.None);
Console.WriteLine($"queries {host.Stats.Queries} noerror {host.Stats.Responses(DnsResponseCode.NoError)} nxdomain {host.Stats.Responses(DnsResponseCode.NXDomain)} " +
    $"dropped {host.Stats.Dropped} udp helper wakes {host.Stats.UdpHelperWakes}; process allocated {GC.GetTotalAllocatedBytes() / 1024} KiB in total, gen0 collections {GC.CollectionCount(0)}");

int ArgValue(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int v) ? v : fallback;
}

static void RunMicro(DnsRequestProcessor processor, int queries)
{
    var client = ClientAddress.FromIPAddress(IPAddress.Parse("198.51.100.7"));
    (string Name, DnsRecordType Type, bool Edns, string? Ecs)[] cases =
    [
        ("www.bench.test", DnsRecordType.A, false, null),
        ("WwW.BeNcH.TeSt", DnsRecordType.A, true, null),
        ("geo.bench.test", DnsRecordType.A, true, "198.51.100.0/24"),
        ("region.bench.test", DnsRecordType.A, true, "193.0.6.0/24"),
        ("region.bench.test", DnsRecordType.A, true, "52.95.110.0/24"),
        ("region.bench.test", DnsRecordType.A, false, null),
        ("failover.bench.test", DnsRecordType.A, true, null),
        ("static.bench.test", DnsRecordType.A, true, null),
        ("missing.bench.test", DnsRecordType.A, true, null),
        ("alias.bench.test", DnsRecordType.A, false, null),
    ];
    var response = new byte[1232];
    Console.WriteLine($"micro: {queries} queries per case, load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a")}");
    foreach (var (name, type, edns, ecs) in cases)
    {
        var query = MicroQuery.Build(name, type, edns, ecs);
        for (int i = 0; i < 50_000; i++)
        {
            processor.Process(query, response, client, false, out _);
        }

        // Five batches: the machine is shared, so the fastest batch is the least disturbed estimate.
        const int Batches = 5;
        int perBatch = Math.Max(1, queries / Batches);
        double best = double.MaxValue, total = 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int b = 0; b < Batches; b++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < perBatch; i++)
            {
                processor.Process(query, response, client, false, out _);
            }

            double ns = sw.Elapsed.TotalNanoseconds / perBatch;
            best = Math.Min(best, ns);
            total += ns / Batches;
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        processor.Process(query, response, client, false, out var outcome);
        Console.WriteLine($"micro {name,-22} {type,-4} edns={(edns ? 1 : 0)} ecs={(ecs is null ? 0 : 1)} rcode={outcome.RCode,-8} " +
            $"best {best,7:F1} ns/query (mean {total,7:F1})  {(double)allocated / (perBatch * Batches):F3} B/query allocated");
    }
}
