using System.Globalization;
using System.Text;

namespace Speedera.Core.Probes;

/// <summary>
/// The LOADP line protocol (documented in Speedera.Edge/LoadP/PROTOCOL.md): request
/// "LOADP/1 GET", response status line, "key value" lines, and an empty line.
/// Pure text in and out so both ends and the tests share one implementation.
/// </summary>
public static class LoadPProtocol
{
    public const string Request = "LOADP/1 GET";
    public const string OkStatus = "LOADP/1 OK";
    public const string ErrorStatusPrefix = "LOADP/1 ERR ";

    /// <summary>Upper bound of a response the client will read.</summary>
    public const int MaxResponseBytes = 4096;

    /// <summary>Upper bound of a request line the agent will read.</summary>
    public const int MaxRequestBytes = 64;

    public static string FormatResponse(LoadFigures figures)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder(512);
        sb.Append(OkStatus).Append('\n');
        sb.Append(ci, $"load1 {figures.LoadAverage1:0.00}\n");
        sb.Append(ci, $"load5 {figures.LoadAverage5:0.00}\n");
        sb.Append(ci, $"load15 {figures.LoadAverage15:0.00}\n");
        sb.Append(ci, $"tasks_runnable {figures.RunnableTasks}\n");
        sb.Append(ci, $"tasks_total {figures.TotalTasks}\n");
        sb.Append(ci, $"mem_total_bytes {figures.MemoryTotalBytes}\n");
        sb.Append(ci, $"mem_available_bytes {figures.MemoryAvailableBytes}\n");
        sb.Append(ci, $"swap_total_bytes {figures.SwapTotalBytes}\n");
        sb.Append(ci, $"swap_free_bytes {figures.SwapFreeBytes}\n");
        sb.Append(ci, $"swap_used_bytes {figures.SwapUsedBytes}\n");
        sb.Append(ci, $"net_rx_bytes {figures.NetworkReceivedBytes}\n");
        sb.Append(ci, $"net_tx_bytes {figures.NetworkSentBytes}\n");
        sb.Append(ci, $"disk_read_bytes {figures.DiskReadBytes}\n");
        sb.Append(ci, $"disk_written_bytes {figures.DiskWrittenBytes}\n");
        sb.Append(ci, $"disk_busy_ms {figures.DiskBusyMilliseconds}\n");
        sb.Append('\n');
        return sb.ToString();
    }

    public static string FormatError(string reason) =>
        ErrorStatusPrefix + new string(reason.Where(c => c >= ' ' && c < 127).Take(200).ToArray()) + "\n\n";

    /// <summary>Parses a whole response. Unknown keys are ignored (forward compatible).</summary>
    public static bool TryParseResponse(string text, out LoadFigures? figures, out string? error)
    {
        figures = null;
        error = null;
        var lines = text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n');
        if (lines.Length == 0)
        {
            error = "empty response";
            return false;
        }

        if (lines[0].StartsWith(ErrorStatusPrefix, StringComparison.Ordinal))
        {
            error = lines[0][ErrorStatusPrefix.Length..];
            return false;
        }

        if (lines[0] != OkStatus)
        {
            error = "bad status line";
            return false;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0)
            {
                break;
            }

            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                error = "bad line";
                return false;
            }

            values[line[..space]] = line[(space + 1)..];
        }

        if (!TryGet(values, "load1", out double l1) || !TryGet(values, "swap_total_bytes", out long swapTotal) || !TryGet(values, "swap_free_bytes", out long swapFree))
        {
            error = "missing load1 or swap figures";
            return false;
        }

        figures = new LoadFigures
        {
            LoadAverage1 = l1,
            LoadAverage5 = TryGet(values, "load5", out double l5) ? l5 : 0,
            LoadAverage15 = TryGet(values, "load15", out double l15) ? l15 : 0,
            RunnableTasks = (int)(TryGet(values, "tasks_runnable", out long r) ? r : 0),
            TotalTasks = (int)(TryGet(values, "tasks_total", out long t) ? t : 0),
            MemoryTotalBytes = TryGet(values, "mem_total_bytes", out long mt) ? mt : 0,
            MemoryAvailableBytes = TryGet(values, "mem_available_bytes", out long ma) ? ma : 0,
            SwapTotalBytes = swapTotal,
            SwapFreeBytes = swapFree,
            NetworkReceivedBytes = TryGet(values, "net_rx_bytes", out long rx) ? rx : 0,
            NetworkSentBytes = TryGet(values, "net_tx_bytes", out long tx) ? tx : 0,
            DiskReadBytes = TryGet(values, "disk_read_bytes", out long dr) ? dr : 0,
            DiskWrittenBytes = TryGet(values, "disk_written_bytes", out long dw) ? dw : 0,
            DiskBusyMilliseconds = TryGet(values, "disk_busy_ms", out long db) ? db : 0,
        };
        return true;
    }

    private static bool TryGet(Dictionary<string, string> values, string key, out double value)
    {
        value = 0;
        return values.TryGetValue(key, out var s)
            && double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
            && value >= 0 && double.IsFinite(value);
    }

    private static bool TryGet(Dictionary<string, string> values, string key, out long value)
    {
        value = 0;
        return values.TryGetValue(key, out var s)
            && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
