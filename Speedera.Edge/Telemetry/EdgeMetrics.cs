using System.Diagnostics.Metrics;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;
using Speedera.Core.Probes;
using Speedera.Edge.Cache;
using Speedera.Edge.ControlPlane;
using Speedera.Edge.Dns;
using Speedera.Edge.Hosting;
using Speedera.Edge.Probe;

namespace Speedera.Edge.Telemetry;

/// <summary>
/// The node's metrics as observable instruments over the counters its roles keep anyway (striped DNS counters,
/// cache usage rows, probe and spool counts): they are read when <c>/metrics</c> is scraped, never per request.
/// </summary>
public sealed class EdgeMetrics
{
    private static readonly DnsResponseCode[] Rcodes = Enum.GetValues<DnsResponseCode>();
    private static readonly GtmReason[] Reasons = Enum.GetValues<GtmReason>();
    private static readonly ProbeError[] ProbeResults = Enum.GetValues<ProbeError>();
    private readonly EdgeRoleHost _roles;

    public EdgeMetrics(IMeterFactory meterFactory, EdgeRoleHost roles, SpoolingEdgeUploader spool)
    {
        _roles = roles;
        var dns = Create(meterFactory, EdgeTelemetry.DnsMeterName);
        var cache = Create(meterFactory, EdgeTelemetry.CacheMeterName);
        var probe = Create(meterFactory, EdgeTelemetry.ProbeMeterName);
        var uploads = Create(meterFactory, EdgeTelemetry.UploadMeterName);

        var latency = dns.CreateHistogram(
            "speedera.dns.duration", "s", $"Time to parse, decide and write a response (one query in {DnsServerStats.LatencySampleEvery} per processor)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = EdgeTelemetry.DnsDurationBuckets });
        foreach (var role in Roles<DnsRole>())
        {
            role.Host.Stats.Latency = latency;
        }

        dns.CreateObservableCounter("speedera.dns.queries", () => Sum<DnsRole>(r => r.Host.Stats.Queries), "{query}", "DNS queries received");
        dns.CreateObservableCounter("speedera.dns.responses", () => DnsResponses(), "{response}", "DNS responses by rcode");
        dns.CreateObservableCounter("speedera.dns.decisions", () => DnsDecisions(), "{decision}", "GTM answers by the reason of the decision");
        dns.CreateObservableCounter("speedera.dns.dropped", () => Sum<DnsRole>(r => r.Host.Stats.Dropped), "{query}", "Queries dropped unanswered (not DNS)");
        dns.CreateObservableCounter("speedera.dns.truncated", () => Sum<DnsRole>(r => r.Host.Stats.Truncated), "{response}", "UDP responses truncated (TC set)");
        dns.CreateObservableCounter("speedera.dns.rate_limited", () => Sum<DnsRole>(r => r.Host.Stats.RateLimited), "{response}", "Responses dropped or slipped by response rate limiting");

        cache.CreateObservableCounter("speedera.cache.requests", () => Usage(t => t.Requests), "{request}", "Requests the cache answered");
        cache.CreateObservableCounter("speedera.cache.responses", () => CacheResponses(), "{response}", "Cache responses by status class");
        cache.CreateObservableCounter("speedera.cache.lookups", () => CacheLookups(), "{request}", "Requests by cache result (hit ratio = hit / (hit + miss))");
        cache.CreateObservableCounter("speedera.cache.sent", () => Usage(t => t.BytesToClients), "By", "Bytes sent to clients");
        cache.CreateObservableCounter("speedera.cache.origin.received", () => Usage(t => t.BytesFromOrigin), "By", "Bytes received from origins");
        cache.CreateObservableCounter("speedera.cache.origin.fetches", () => Sum<CacheRole>(r => r.Host?.OriginFetches ?? 0), "{request}", "Requests sent to origins");
        cache.CreateObservableUpDownCounter("speedera.cache.memory.size", () => Sum<CacheRole>(r => r.Host?.Store.MemoryBytes ?? 0), "By", "Bytes of bodies in the memory tier");
        cache.CreateObservableUpDownCounter("speedera.cache.disk.size", () => Sum<CacheRole>(r => r.Host?.Store.DiskBytes ?? 0), "By", "Bytes of bodies in the disk tier");

        probe.CreateObservableCounter("speedera.probe.tests", () => Sum<ProbeRole>(r => r.Services?.TestsRun ?? 0), "{test}", "Service tests run");
        probe.CreateObservableCounter("speedera.probe.results", () => ProbeResultCounts(), "{test}", "Service test results by state (ok or the error)");

        uploads.CreateObservableUpDownCounter("speedera.upload.spool.depth", () => spool.PendingCount, "{record}", "Records spooled and not yet acknowledged by the control plane");
    }

    // The factory owns (and disposes) the meters: they live as long as the node's service provider.
    private static Meter Create(IMeterFactory factory, string name) => factory.Create(name);

    private IEnumerable<T> Roles<T>() => _roles.Roles.OfType<T>();

    private long Sum<T>(Func<T, long> read) => Roles<T>().Sum(read);

    private long Usage(Func<UsageTotals, long> read) => Roles<CacheRole>().Sum(r => r.Host is { } h ? read(h.Usage.Totals()) : 0);

    private IEnumerable<Measurement<long>> DnsResponses() =>
        Rcodes.Select(rcode => new Measurement<long>(Sum<DnsRole>(r => r.Host.Stats.Responses(rcode)), new KeyValuePair<string, object?>("dns.rcode", RcodeName(rcode))));

    private IEnumerable<Measurement<long>> DnsDecisions() =>
        Reasons.Select(reason => new Measurement<long>(Sum<DnsRole>(r => r.Host.Stats.Decisions(reason)), new KeyValuePair<string, object?>("gtm.reason", reason.ToString())));

    private IEnumerable<Measurement<long>> CacheResponses()
    {
        var t = Roles<CacheRole>().Aggregate(default(UsageTotals), (sum, r) => r.Host is { } h ? sum.Add(h.Usage.Totals()) : sum);
        yield return StatusClass(t.Status2xx, "2xx");
        yield return StatusClass(t.Status3xx, "3xx");
        yield return StatusClass(t.Status4xx, "4xx");
        yield return StatusClass(t.Status5xx, "5xx");

        static Measurement<long> StatusClass(long value, string name) => new(value, new KeyValuePair<string, object?>("http.response.status_class", name));
    }

    private IEnumerable<Measurement<long>> CacheLookups()
    {
        var t = Roles<CacheRole>().Aggregate(default(UsageTotals), (sum, r) => r.Host is { } h ? sum.Add(h.Usage.Totals()) : sum);
        yield return new(t.Hits, new KeyValuePair<string, object?>("cache.result", "hit"));
        yield return new(t.Misses, new KeyValuePair<string, object?>("cache.result", "miss"));
    }

    private IEnumerable<Measurement<long>> ProbeResultCounts() =>
        ProbeResults.Select(e => new Measurement<long>(
            Sum<ProbeRole>(r => r.Services?.Results(e) ?? 0),
            new KeyValuePair<string, object?>("probe.result", e == ProbeError.None ? "ok" : e.ToString())));

    private static string RcodeName(DnsResponseCode rcode) => rcode switch
    {
        DnsResponseCode.NoError => "NOERROR",
        DnsResponseCode.FormErr => "FORMERR",
        DnsResponseCode.ServFail => "SERVFAIL",
        DnsResponseCode.NXDomain => "NXDOMAIN",
        DnsResponseCode.NotImp => "NOTIMP",
        DnsResponseCode.Refused => "REFUSED",
        DnsResponseCode.BadVers => "BADVERS",
        _ => rcode.ToString().ToUpperInvariant(),
    };
}
