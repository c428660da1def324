using System.Globalization;
using System.Text;

namespace Speedera.Core.Probes;

/// <summary>
/// Saves and loads latency measurements as a small text file so a dns node (or a latency probe)
/// keeps its latency table across restarts — the patent's "SPD also saves the dynamic latency
/// tables across system shutdowns". One tab-separated line per measurement after a version line;
/// writes go to a temporary file renamed over the old one, so a crash never leaves half a file.
/// </summary>
public static class LatencyTableFile
{
    private const string Header = "speedera-latency-table v1";

    /// <summary>Upper bound of rows read back, so a corrupt or hostile file cannot exhaust memory.</summary>
    public const int MaxRows = 1_000_000;

    public static void Save(string path, IEnumerable<LatencyMeasurement> measurements)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temp = path + ".tmp";
        using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false)))
        {
            writer.Write(Header);
            writer.Write('\n');
            foreach (var m in measurements)
            {
                if (new[] { m.PopId, m.ClientGroup, m.ProbedAddress, m.ProbeNodeId }.Any(f => f.Contains('\t', StringComparison.Ordinal) || f.Contains('\n', StringComparison.Ordinal)))
                {
                    continue;
                }

                writer.Write(string.Join('\t',
                    m.PopId,
                    m.ClientGroup,
                    m.ProbedAddress,
                    (m.RoundTrip.Ticks / TimeSpan.TicksPerMicrosecond).ToString(CultureInfo.InvariantCulture),
                    m.Quality == LatencyQuality.Full ? "FULL" : "PARTIAL",
                    m.MeasuredAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                    m.ProbeNodeId));
                writer.Write('\n');
            }

            writer.Flush();
            writer.BaseStream.Flush();
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Loads a saved table; a missing file gives an empty list, bad lines are skipped.</summary>
    public static IReadOnlyList<LatencyMeasurement> Load(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var result = new List<LatencyMeasurement>();
        using var reader = new StreamReader(path, Encoding.UTF8);
        if (reader.ReadLine() != Header)
        {
            return [];
        }

        while (reader.ReadLine() is { } line && result.Count < MaxRows)
        {
            var f = line.Split('\t');
            if (f.Length != 7
                || !long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var micros)
                || !long.TryParse(f[5], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                || ms > 253402300799999L
                || micros > TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerMicrosecond
                || (f[4] != "FULL" && f[4] != "PARTIAL"))
            {
                continue;
            }

            result.Add(new LatencyMeasurement(
                f[0],
                f[1],
                f[2],
                TimeSpan.FromMicroseconds(micros),
                f[4] == "FULL" ? LatencyQuality.Full : LatencyQuality.Partial,
                DateTimeOffset.FromUnixTimeMilliseconds(ms),
                f[6]));
        }

        return result;
    }
}
