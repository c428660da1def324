using System.Globalization;

namespace Speedera.Core.Probes;

/// <summary>
/// Parses the /proc files a LOADP agent reads. Pure: takes the text, never touches the file
/// system, so it is tested with sample text. Formats: proc(5).
/// </summary>
public static class ProcParser
{
    private const long SectorBytes = 512;

    /// <summary>/proc/loadavg: "0.16 0.38 0.21 2/89 8270".</summary>
    public static bool TryParseLoadAverage(string text, out double load1, out double load5, out double load15, out int runnable, out int total)
    {
        load1 = load5 = load15 = 0;
        runnable = total = 0;
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4)
        {
            return false;
        }

        var tasks = parts[3].Split('/');
        return TryDouble(parts[0], out load1)
            && TryDouble(parts[1], out load5)
            && TryDouble(parts[2], out load15)
            && tasks.Length == 2
            && int.TryParse(tasks[0], NumberStyles.None, CultureInfo.InvariantCulture, out runnable)
            && int.TryParse(tasks[1], NumberStyles.None, CultureInfo.InvariantCulture, out total);
    }

    /// <summary>/proc/meminfo: "Key:   value kB" lines; returns values in bytes.</summary>
    public static bool TryParseMemInfo(string text, out long memTotal, out long memAvailable, out long swapTotal, out long swapFree)
    {
        memTotal = memAvailable = swapTotal = swapFree = -1;
        long memFree = -1;
        foreach (var rawLine in text.Split('\n'))
        {
            var colon = rawLine.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var key = rawLine[..colon].Trim();
            var rest = rawLine[(colon + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (rest.Length == 0 || !long.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var multiplier = rest.Length > 1 && rest[1].Equals("kB", StringComparison.OrdinalIgnoreCase) ? 1024L : 1L;
            value *= multiplier;
            switch (key)
            {
                case "MemTotal": memTotal = value; break;
                case "MemFree": memFree = value; break;
                case "MemAvailable": memAvailable = value; break;
                case "SwapTotal": swapTotal = value; break;
                case "SwapFree": swapFree = value; break;
            }
        }

        // Kernels before 3.14 have no MemAvailable; MemFree is the closest figure.
        if (memAvailable < 0)
        {
            memAvailable = memFree;
        }

        return memTotal >= 0 && memAvailable >= 0 && swapTotal >= 0 && swapFree >= 0;
    }

    /// <summary>/proc/net/dev: sums received and sent bytes over every interface except loopback.</summary>
    public static bool TryParseNetDev(string text, out long receivedBytes, out long sentBytes)
    {
        receivedBytes = sentBytes = 0;
        var sawInterface = false;
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            if (name.Length == 0 || name.Contains('|', StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line[(colon + 1)..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 16
                || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rx)
                || !long.TryParse(fields[8], NumberStyles.None, CultureInfo.InvariantCulture, out var tx))
            {
                return false;
            }

            sawInterface = true;
            if (name == "lo")
            {
                continue;
            }

            receivedBytes += rx;
            sentBytes += tx;
        }

        return sawInterface;
    }

    /// <summary>
    /// /proc/diskstats: sums sectors read/written and I/O time over whole disks. Partitions
    /// (a name that extends another listed device's name) and loop/ram devices are skipped so
    /// nothing is counted twice.
    /// </summary>
    public static bool TryParseDiskStats(string text, out long readBytes, out long writtenBytes, out long busyMilliseconds)
    {
        readBytes = writtenBytes = busyMilliseconds = 0;
        var rows = new List<(string Name, long Read, long Written, long Busy)>();
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            if (fields.Length < 14
                || !long.TryParse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture, out var sectorsRead)
                || !long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var sectorsWritten)
                || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var busy))
            {
                return false;
            }

            rows.Add((fields[2], sectorsRead, sectorsWritten, busy));
        }

        var names = rows.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.Name.StartsWith("loop", StringComparison.Ordinal) || row.Name.StartsWith("ram", StringComparison.Ordinal) || IsPartition(row.Name, names))
            {
                continue;
            }

            readBytes += row.Read * SectorBytes;
            writtenBytes += row.Written * SectorBytes;
            busyMilliseconds += row.Busy;
        }

        return true;
    }

    /// <summary>Parses all four files; null when the load average or memory cannot be read.</summary>
    public static LoadFigures? TryParseAll(string? loadAvg, string? memInfo, string? netDev, string? diskStats)
    {
        if (loadAvg is null || memInfo is null
            || !TryParseLoadAverage(loadAvg, out var l1, out var l5, out var l15, out var runnable, out var total)
            || !TryParseMemInfo(memInfo, out var memTotal, out var memAvailable, out var swapTotal, out var swapFree))
        {
            return null;
        }

        long rx = 0, tx = 0, read = 0, written = 0, busy = 0;
        if (netDev is not null && !TryParseNetDev(netDev, out rx, out tx))
        {
            rx = tx = 0;
        }

        if (diskStats is not null && !TryParseDiskStats(diskStats, out read, out written, out busy))
        {
            read = written = busy = 0;
        }

        return new LoadFigures
        {
            LoadAverage1 = l1,
            LoadAverage5 = l5,
            LoadAverage15 = l15,
            RunnableTasks = runnable,
            TotalTasks = total,
            MemoryTotalBytes = memTotal,
            MemoryAvailableBytes = memAvailable,
            SwapTotalBytes = swapTotal,
            SwapFreeBytes = swapFree,
            NetworkReceivedBytes = rx,
            NetworkSentBytes = tx,
            DiskReadBytes = read,
            DiskWrittenBytes = written,
            DiskBusyMilliseconds = busy,
        };
    }

    private static bool IsPartition(string name, HashSet<string> names)
    {
        if (name.Length == 0 || !char.IsAsciiDigit(name[^1]))
        {
            return false;
        }

        for (var i = name.Length - 1; i > 0; i--)
        {
            var prefix = name[..i];
            if (names.Contains(prefix))
            {
                // sda1 → sda; nvme0n1p1 → nvme0n1 (the 'p' separator); mmcblk0p1 → mmcblk0.
                var tail = name[i..];
                return tail.All(char.IsAsciiDigit) || (tail[0] == 'p' && tail.Length > 1 && tail[1..].All(char.IsAsciiDigit));
            }
        }

        return false;
    }

    private static bool TryDouble(string s, out double value) =>
        double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
}
