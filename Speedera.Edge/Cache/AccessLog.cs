using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Speedera.Edge.Logging;

namespace Speedera.Edge.Cache;

/// <summary>One request as the access log records it.</summary>
internal readonly record struct AccessLogRecord(
    string RemoteAddress,
    DateTimeOffset Time,
    string Method,
    string Target,
    string Protocol,
    int Status,
    long Bytes,
    string? Referer,
    string? UserAgent,
    string Host,
    string CacheStatus);

/// <summary>
/// The cache's access log: the NCSA combined format plus host and cache status, written and rotated by size by a
/// <see cref="RotatingLogFile{T}"/> (records are dropped, not blocked on, when the writer falls behind).
/// </summary>
internal sealed class AccessLog(string path, long maxBytes, int maxFiles, ILogger logger) : IAsyncDisposable
{
    private readonly RotatingLogFile<AccessLogRecord> _file = new(path, maxBytes, maxFiles, 65_536, Format, ex => Log.AccessLogFailed(logger, ex));

    public void Write(in AccessLogRecord record) => _file.Write(record);

    internal static string Format(AccessLogRecord r)
    {
        var sb = new StringBuilder(256);
        sb.Append(r.RemoteAddress).Append(" - - [")
          .Append(r.Time.ToUniversalTime().ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("] \"")
          .Append(r.Method).Append(' ').Append(Escape(r.Target)).Append(' ').Append(r.Protocol).Append("\" ")
          .Append(r.Status.ToString(CultureInfo.InvariantCulture)).Append(' ')
          .Append(r.Bytes > 0 ? r.Bytes.ToString(CultureInfo.InvariantCulture) : "-").Append(" \"")
          .Append(Escape(r.Referer ?? "-")).Append("\" \"").Append(Escape(r.UserAgent ?? "-")).Append("\" \"")
          .Append(Escape(r.Host)).Append("\" \"").Append(Escape(r.CacheStatus)).Append('"');
        return sb.ToString();
    }

    private static string Escape(string value) =>
        value.AsSpan().IndexOfAny('"', '\\', '\n') < 0 ? value : value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Completes the queue and waits for the writer (tests use this to read the file).</summary>
    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
