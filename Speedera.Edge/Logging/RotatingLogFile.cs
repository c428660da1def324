using System.Text;
using System.Threading.Channels;

namespace Speedera.Edge.Logging;

/// <summary>
/// A line log written on a background task and rotated by size: <c>x.log</c> becomes <c>x.log.1</c>, older files shift
/// up, at most <c>maxFiles</c> are kept. Records are queued, never waited on: when the writer falls behind they are
/// dropped and counted (<see cref="Dropped"/>), so the request path never blocks on the disk. Used by the cache's
/// access log and the DNS query log.
/// </summary>
internal sealed class RotatingLogFile<T> : IAsyncDisposable
{
    private readonly Channel<T> _channel;
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _maxFiles;
    private readonly Func<T, string> _format;
    private readonly Func<string?> _beforeBatch;
    private readonly Action<IOException> _failed;
    private readonly Task _writer;
    private long _dropped;

    /// <param name="beforeBatch">Called before each batch of records is written and once at the end; a line it returns is written.</param>
    public RotatingLogFile(string path, long maxBytes, int maxFiles, int queueLength, Func<T, string> format, Action<IOException> failed, Func<string?>? beforeBatch = null)
    {
        _path = Path.GetFullPath(path);
        _maxBytes = maxBytes;
        _maxFiles = Math.Max(1, maxFiles);
        _format = format;
        _failed = failed;
        _beforeBatch = beforeBatch ?? (() => null);
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(queueLength) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _writer = Task.Run(WriteLoopAsync);
    }

    public string FilePath => _path;

    /// <summary>Records lost because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Write(T record)
    {
        if (!_channel.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

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

                    if (_beforeBatch() is { } first)
                    {
                        size += await WriteLineAsync(writer, first).ConfigureAwait(false);
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

                        size += await WriteLineAsync(writer, _format(record)).ConfigureAwait(false);
                    }

                    await writer.FlushAsync().ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    _failed(ex);
                    if (writer is not null)
                    {
                        await writer.DisposeAsync().ConfigureAwait(false);
                    }

                    writer = null;
                }
            }

            // Completed: a last comment line (what the last batch did not cover) before the file is closed.
            if (_beforeBatch() is { } last)
            {
                try
                {
                    writer ??= Open();
                    await WriteLineAsync(writer, last).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    _failed(ex);
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

    private static async Task<long> WriteLineAsync(StreamWriter writer, string line)
    {
        await writer.WriteLineAsync(line).ConfigureAwait(false);
        return Encoding.UTF8.GetByteCount(line) + 1;
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

    /// <summary>Completes the queue and waits for the writer to write what is queued.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }
}
