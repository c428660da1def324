using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

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
/// Writes the NCSA combined log format (plus host and cache status) on a background task and rotates by size:
/// <c>access.log</c> becomes <c>access.log.1</c>, older files shift up, at most <c>maxFiles</c> are kept.
/// Records are dropped, not blocked on, when the writer falls behind.
/// </summary>
internal sealed class AccessLog : IAsyncDisposable
{
    private readonly Channel<AccessLogRecord> _channel = Channel.CreateBounded<AccessLogRecord>(
        new BoundedChannelOptions(65_536) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _maxFiles;
    private readonly ILogger _logger;
    private readonly Task _writer;

    public AccessLog(string path, long maxBytes, int maxFiles, ILogger logger)
    {
        _path = Path.GetFullPath(path);
        _maxBytes = maxBytes;
        _maxFiles = Math.Max(1, maxFiles);
        _logger = logger;
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _writer = Task.Run(WriteLoopAsync);
    }

    public void Write(in AccessLogRecord record) => _channel.Writer.TryWrite(record);

    internal static string Format(in AccessLogRecord r)
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

    private async Task WriteLoopAsync()
    {
        StreamWriter? writer = null;
        long size = 0;
        try
        {
            while (await _channel.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                try
                {
                    if (writer is null)
                    {
                        writer = Open();
                        size = writer.BaseStream.Length;
                    }

                    while (_channel.Reader.TryRead(out var record))
                    {
                        // Rotate before writing, so the current file is never left empty.
                        if (size >= _maxBytes)
                        {
                            await writer.DisposeAsync().ConfigureAwait(false);
                            writer = null;
                            Rotate();
                            writer = Open();
                            size = 0;
                        }

                        var line = Format(record);
                        await writer.WriteLineAsync(line).ConfigureAwait(false);
                        size += Encoding.UTF8.GetByteCount(line) + 1;
                    }

                    await writer.FlushAsync().ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    Log.AccessLogFailed(_logger, ex);
                    if (writer is not null)
                    {
                        await writer.DisposeAsync().ConfigureAwait(false);
                    }

                    writer = null;
                }
            }
        }
        finally
        {
            if (writer is not null)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private StreamWriter Open() =>
        new(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = false };

    private void Rotate()
    {
        var oldest = $"{_path}.{_maxFiles}";
        if (File.Exists(oldest))
        {
            File.Delete(oldest);
        }

        for (var i = _maxFiles - 1; i >= 1; i--)
        {
            var from = $"{_path}.{i}";
            if (File.Exists(from))
            {
                File.Move(from, $"{_path}.{i + 1}");
            }
        }

        File.Move(_path, _path + ".1");
    }

    /// <summary>Completes the queue and waits for the writer (tests use this to read the file).</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }
}
