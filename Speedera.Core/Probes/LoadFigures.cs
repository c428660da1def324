namespace Speedera.Core.Probes;

/// <summary>
/// What a LOADP agent reports about its machine, read from /proc. Counters (network, disk) are
/// totals since boot; the probe only uses the load average and swap for the load metric.
/// </summary>
public sealed record LoadFigures
{
    public required double LoadAverage1 { get; init; }

    public required double LoadAverage5 { get; init; }

    public required double LoadAverage15 { get; init; }

    public required int RunnableTasks { get; init; }

    public required int TotalTasks { get; init; }

    public required long MemoryTotalBytes { get; init; }

    public required long MemoryAvailableBytes { get; init; }

    public required long SwapTotalBytes { get; init; }

    public required long SwapFreeBytes { get; init; }

    public required long NetworkReceivedBytes { get; init; }

    public required long NetworkSentBytes { get; init; }

    public required long DiskReadBytes { get; init; }

    public required long DiskWrittenBytes { get; init; }

    /// <summary>Milliseconds the disks spent doing I/O since boot (diskstats field 10, summed).</summary>
    public required long DiskBusyMilliseconds { get; init; }

    public long SwapUsedBytes => Math.Max(0, SwapTotalBytes - SwapFreeBytes);
}

/// <summary>The patent's LOADP load metric.</summary>
public static class LoadMetric
{
    /// <summary>Load reported when it cannot be computed ("it will return a load of 1000").</summary>
    public const int Unavailable = 1000;

    /// <summary>load = 10 × loadAverage + swapSpaceUsed / 1,000,000 (bytes → MB), 1-minute average.</summary>
    public static int Compute(LoadFigures? figures)
    {
        if (figures is null)
        {
            return Unavailable;
        }

        double load = (10.0 * figures.LoadAverage1) + (figures.SwapUsedBytes / 1_000_000.0);
        if (double.IsNaN(load) || double.IsInfinity(load) || load < 0)
        {
            return Unavailable;
        }

        // A real load never reaches the failure marker; keep it strictly below.
        return (int)Math.Min(Math.Round(load, MidpointRounding.AwayFromZero), ServiceMetric.FailedValue - 1);
    }
}
