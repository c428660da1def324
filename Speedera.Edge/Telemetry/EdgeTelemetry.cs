using System.Diagnostics.Metrics;

namespace Speedera.Edge.Telemetry;

/// <summary>
/// The edge node's meters and the instruments that record events off the hot paths (origin fetches, uploads).
/// Counts the hot paths already keep (DNS and cache counters) are read by <see cref="EdgeMetrics"/>'s observable
/// instruments at scrape time instead, so a query or a hit does no extra work for metrics.
/// </summary>
public static class EdgeTelemetry
{
    public const string DnsMeterName = "Speedera.Edge.Dns";
    public const string CacheMeterName = "Speedera.Edge.Cache";
    public const string ProbeMeterName = "Speedera.Edge.Probe";
    public const string UploadMeterName = "Speedera.Edge.Uploads";

    /// <summary>Every meter the node's <c>/metrics</c> exports.</summary>
    public static readonly string[] MeterNames = [DnsMeterName, CacheMeterName, ProbeMeterName, UploadMeterName];

    // Process-wide meters for event-recorded instruments: one edge node runs per process in production.
    private static readonly Meter Cache = new(CacheMeterName);
    private static readonly Meter Uploads = new(UploadMeterName);

    /// <summary>Seconds from sending a request to an origin to its response head (misses, revalidations, pass-through).</summary>
    public static readonly Histogram<double> OriginDuration = Cache.CreateHistogram(
        "speedera.cache.origin.duration", "s", "Time to the origin's response head",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    /// <summary>Upload batches sent to the control plane, by kind and outcome (accepted, failed).</summary>
    public static readonly Counter<long> UploadBatches = Uploads.CreateCounter<long>(
        "speedera.upload.batches", "{batch}", "Upload batches sent to the control plane");

    /// <summary>Records in upload batches the control plane accepted, by kind.</summary>
    public static readonly Counter<long> UploadRows = Uploads.CreateCounter<long>(
        "speedera.upload.rows", "{row}", "Records the control plane accepted");

    /// <summary>Buckets for the DNS processing time: parse, decide and write take microseconds.</summary>
    internal static readonly IReadOnlyList<double> DnsDurationBuckets =
        [0.000_001, 0.000_002, 0.000_005, 0.000_01, 0.000_02, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.005, 0.01];
}
