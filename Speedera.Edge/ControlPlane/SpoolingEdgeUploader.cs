using System.Globalization;
using System.Text;
using System.Text.Json;
using Speedera.Core.ControlPlane;

namespace Speedera.Edge.ControlPlane;

/// <summary>
/// <see cref="IEdgeUploader"/> over append-only spool files: <c>spool/&lt;kind&gt;/&lt;first-seq&gt;.jsonl</c>,
/// one <see cref="UploadRecord"/> per line. Sequence numbers are reserved on disk in blocks before
/// use, so after a restart they keep increasing (with a gap) and never repeat. A segment is
/// deleted only once the control plane has acknowledged every record in it.
/// </summary>
public sealed class SpoolingEdgeUploader : IEdgeUploader, IDisposable
{
    internal const int MaxRecordsPerSegment = 1000;
    private const long ReserveBlock = 1024;

    private readonly object _gate = new();
    private readonly string _directory;
    private readonly string _sequenceFile;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, OpenSegment> _open = new(StringComparer.Ordinal);
    private long _last;
    private long _reserved;
    private long _pending;
    private TaskCompletionSource _enqueued = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class OpenSegment(string path, FileStream stream)
    {
        public string Path { get; } = path;

        public FileStream Stream { get; } = stream;

        public int Count { get; set; }
    }

    public SpoolingEdgeUploader(string directory, TimeProvider time)
    {
        _directory = directory;
        _time = time;
        _sequenceFile = Path.Combine(directory, "sequence");
        Directory.CreateDirectory(directory);

        var reserved = File.Exists(_sequenceFile)
            ? long.Parse(File.ReadAllText(_sequenceFile).Trim(), CultureInfo.InvariantCulture)
            : 0;
        foreach (var kindDir in Directory.EnumerateDirectories(directory))
        {
            foreach (var segment in Directory.EnumerateFiles(kindDir, "*.jsonl"))
            {
                foreach (var record in ReadSegment(segment))
                {
                    _pending++;
                    reserved = Math.Max(reserved, record.Sequence);
                }
            }
        }

        _last = reserved;
        _reserved = reserved;
    }

    public long PendingCount => Interlocked.Read(ref _pending);

    /// <summary>The last sequence number handed out.</summary>
    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    public long Enqueue(string kind, ReadOnlySpan<byte> utf8JsonPayload)
    {
        if (!UploadKinds.IsValid(kind))
        {
            throw new ArgumentException($"Upload kind '{kind}' must be 1-32 characters of a-z, 0-9 or '-'.", nameof(kind));
        }

        JsonElement payload;
        try
        {
            using var doc = JsonDocument.Parse(utf8JsonPayload.ToArray());
            payload = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("The upload payload is not JSON: " + ex.Message, nameof(utf8JsonPayload), ex);
        }

        TaskCompletionSource signal;
        long sequence;
        lock (_gate)
        {
            sequence = ++_last;
            if (sequence > _reserved)
            {
                _reserved = sequence + ReserveBlock - 1;
                WriteReserved(_reserved);
            }

            var record = new UploadRecord(sequence, _time.GetUtcNow(), payload);
            var line = JsonSerializer.SerializeToUtf8Bytes(record, EdgeApiJsonContext.Default.UploadRecord);
            var segment = GetOpenSegment(kind, sequence);
            segment.Stream.Write(line);
            segment.Stream.WriteByte((byte)'\n');
            segment.Stream.Flush();
            if (++segment.Count >= MaxRecordsPerSegment)
            {
                Close(kind);
            }

            _pending++;
            signal = _enqueued;
            _enqueued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
        return sequence;
    }

    /// <summary>Completes at the next <see cref="Enqueue"/>.</summary>
    internal Task WaitForEnqueueAsync()
    {
        lock (_gate)
        {
            return _enqueued.Task;
        }
    }

    /// <summary>Kinds that have a spool folder.</summary>
    internal IReadOnlyList<string> Kinds() =>
        [.. Directory.EnumerateDirectories(_directory).Select(Path.GetFileName).OfType<string>().Where(UploadKinds.IsValid).Order(StringComparer.Ordinal)];

    /// <summary>Closes the kind's open segment and returns every segment of the kind, oldest first.</summary>
    internal IReadOnlyList<string> TakeSegments(string kind)
    {
        lock (_gate)
        {
            Close(kind);
            var dir = Path.Combine(_directory, kind);
            return Directory.Exists(dir)
                ? [.. Directory.EnumerateFiles(dir, "*.jsonl").Order(StringComparer.Ordinal)]
                : [];
        }
    }

    /// <summary>Reads a closed segment as raw JSON lines, skipping a torn last line left by a crash.</summary>
    internal static List<byte[]> ReadSegmentLines(string path)
    {
        var lines = new List<byte[]>();
        var bytes = File.ReadAllBytes(path);
        var start = 0;
        for (var i = 0; i <= bytes.Length; i++)
        {
            if (i < bytes.Length && bytes[i] != (byte)'\n')
            {
                continue;
            }

            var line = bytes.AsSpan(start, i - start);
            start = i + 1;
            if (line.IsEmpty || !IsCompleteJson(line))
            {
                continue;
            }

            lines.Add(line.ToArray());
        }

        return lines;
    }

    internal static IEnumerable<UploadRecord> ReadSegment(string path) =>
        ReadSegmentLines(path).Select(l => JsonSerializer.Deserialize(l, EdgeApiJsonContext.Default.UploadRecord)!);

    /// <summary>Removes a segment whose <paramref name="count"/> records the control plane acknowledged.</summary>
    internal void Acknowledge(string segmentPath, int count)
    {
        File.Delete(segmentPath);
        Interlocked.Add(ref _pending, -count);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var kind in _open.Keys.ToList())
            {
                Close(kind);
            }
        }
    }

    private OpenSegment GetOpenSegment(string kind, long firstSequence)
    {
        if (_open.TryGetValue(kind, out var segment))
        {
            return segment;
        }

        var dir = Path.Combine(_directory, kind);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, firstSequence.ToString("D19", CultureInfo.InvariantCulture) + ".jsonl");
        segment = new OpenSegment(path, new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read));
        _open[kind] = segment;
        return segment;
    }

    private void Close(string kind)
    {
        if (_open.Remove(kind, out var segment))
        {
            segment.Stream.Flush(flushToDisk: true);
            segment.Stream.Dispose();
        }
    }

    private void WriteReserved(long reserved)
    {
        var temp = _sequenceFile + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Encoding.ASCII.GetBytes(reserved.ToString(CultureInfo.InvariantCulture)));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _sequenceFile, overwrite: true);
    }

    private static bool IsCompleteJson(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
