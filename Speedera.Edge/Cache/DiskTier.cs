using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>
/// The disk tier. Each stored response is a metadata file (<c>KEY.meta</c>, ending in a SHA-256 of its own bytes) and a
/// body file (<c>KEY.NONCE.body</c>) whose length and SHA-256 the metadata records. Both are written to a temporary name
/// and renamed, so a crash leaves either the old or the new object. Bodies are checked against the hash before first use.
/// </summary>
internal sealed class DiskTier
{
    private static readonly byte[] Magic = "SPDCACHE1\n"u8.ToArray();
    private readonly string _root;
    private readonly ILogger _logger;

    public DiskTier(string root, ILogger logger)
    {
        _root = Path.GetFullPath(root);
        _logger = logger;
        Directory.CreateDirectory(_root);
    }

    public string Root => _root;

    public static string KeyHash(string hostname, string path, string secondaryKey)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(hostname, "\n", path, "\n", secondaryKey));
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private string Dir(string keyHash) => Path.Combine(_root, keyHash[..2]);

    public string FullPath(string fileName) => Path.Combine(_root, fileName[..2], fileName);

    /// <summary>Starts a body file; bytes are hashed as they are written.</summary>
    public BodyFileWriter BeginBody(string keyHash)
    {
        Directory.CreateDirectory(Dir(keyHash));
        var name = $"{keyHash}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}.body";
        return new BodyFileWriter(FullPath(name), name);
    }

    public async Task<(string FileName, byte[] Sha256)> WriteBodyAsync(string keyHash, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        await using var writer = BeginBody(keyHash);
        await writer.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        return writer.Commit();
    }

    public void WriteMeta(CachedResponse entry)
    {
        var keyHash = KeyHash(entry.Hostname, entry.Path, entry.SecondaryKey);
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Magic);
            w.Write(entry.Hostname);
            w.Write(entry.Path);
            w.Write(entry.SecondaryKey);
            w.Write(entry.VaryNames.Count);
            foreach (var name in entry.VaryNames)
            {
                w.Write(name);
            }

            w.Write(entry.Status);
            w.Write(entry.Timing.RequestTime.UtcTicks);
            w.Write(entry.Timing.ResponseTime.UtcTicks);
            w.Write(entry.Timing.Date?.UtcTicks ?? -1);
            w.Write(entry.Timing.AgeValue?.Ticks ?? -1);
            w.Write(entry.Defaults.DefaultTtl.Ticks);
            w.Write(entry.Defaults.HonorOriginHeaders);
            w.Write(entry.Defaults.HeuristicCap.Ticks);
            w.Write(entry.Invalidated);
            w.Write(entry.Headers.Length);
            foreach (var (name, values) in entry.Headers)
            {
                w.Write(name);
                w.Write(values.Count);
                foreach (var value in values)
                {
                    w.Write(value ?? string.Empty);
                }
            }

            w.Write(entry.Body.DiskFile ?? throw new InvalidOperationException("Body not on disk."));
            w.Write(entry.Body.Length);
            w.Write(entry.Body.Sha256);
        }

        var content = buffer.ToArray();
        var final = Path.Combine(Dir(keyHash), keyHash + ".meta");
        var temp = final + "." + Environment.CurrentManagedThreadId + ".tmp";
        Directory.CreateDirectory(Dir(keyHash));
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(content);
            file.Write(SHA256.HashData(content));
        }

        File.Move(temp, final, overwrite: true);
    }

    /// <summary>Deletes an object's metadata (if it still names this body) and its body file.</summary>
    public void Delete(CachedResponse entry)
    {
        var keyHash = KeyHash(entry.Hostname, entry.Path, entry.SecondaryKey);
        var meta = Path.Combine(Dir(keyHash), keyHash + ".meta");
        try
        {
            if (File.Exists(meta) && ReadMetaBodyName(meta) is { } bodyName && bodyName == entry.Body.DiskFile)
            {
                File.Delete(meta);
            }
        }
        catch (IOException)
        {
        }

        DeleteBody(entry.Body);
    }

    public void DeleteBody(CachedBody body)
    {
        if (body.DiskFile is { } name)
        {
            try
            {
                File.Delete(FullPath(name));
            }
            catch (IOException)
            {
            }
        }
    }

    private static string? ReadMetaBodyName(string metaPath)
    {
        var bytes = File.ReadAllBytes(metaPath);
        return TryParse(bytes, out var parsed) ? parsed.BodyFile : null;
    }

    /// <summary>Reads every valid metadata file; corrupt metadata and orphaned or truncated bodies are deleted.</summary>
    public List<CachedResponse> LoadAll()
    {
        var result = new List<CachedResponse>();
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var meta in Directory.EnumerateFiles(_root, "*.meta", SearchOption.AllDirectories))
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(meta);
            }
            catch (IOException)
            {
                continue;
            }

            if (!TryParse(bytes, out var p))
            {
                Log.CorruptDiskObject(_logger, meta);
                File.Delete(meta);
                continue;
            }

            var bodyPath = FullPath(p.BodyFile);
            var info = new FileInfo(bodyPath);
            if (!info.Exists || info.Length != p.BodyLength)
            {
                Log.CorruptDiskObject(_logger, bodyPath);
                File.Delete(meta);
                continue;
            }

            referenced.Add(p.BodyFile);
            var body = new CachedBody(p.BodyLength, p.Sha256, memory: null, p.BodyFile, diskVerified: false);
            var entry = new CachedResponse(p.Hostname, p.Path, p.Status, p.Headers, p.Timing, p.VaryNames, p.SecondaryKey, p.Defaults, body)
            {
                Invalidated = p.Invalidated,
            };
            result.Add(entry);
        }

        foreach (var file in Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            if ((name.EndsWith(".body", StringComparison.Ordinal) && !referenced.Contains(name)) || name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                File.Delete(file);
            }
        }

        return result;
    }

    /// <summary>Reads a whole body and checks it against its SHA-256; null when it does not match.</summary>
    public async Task<byte[]?> ReadVerifiedAsync(CachedBody body, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await File.ReadAllBytesAsync(FullPath(body.DiskFile!), cancellationToken).ConfigureAwait(false);
            if (bytes.Length != body.Length || !SHA256.HashData(bytes).AsSpan().SequenceEqual(body.Sha256))
            {
                Log.CorruptDiskObject(_logger, body.DiskFile!);
                return null;
            }

            body.DiskVerified = true;
            return bytes;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Hashes a large body file once before it is first served.</summary>
    public async Task<bool> VerifyAsync(CachedBody body, CancellationToken cancellationToken)
    {
        if (body.DiskVerified)
        {
            return true;
        }

        try
        {
            await using var file = OpenBody(body);
            var hash = await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false);
            if (file.Length != body.Length || !hash.AsSpan().SequenceEqual(body.Sha256))
            {
                Log.CorruptDiskObject(_logger, body.DiskFile!);
                return false;
            }

            body.DiskVerified = true;
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public FileStream OpenBody(CachedBody body) =>
        new(FullPath(body.DiskFile!), new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            BufferSize = 0,
        });

    private sealed record ParsedMeta(
        string Hostname,
        string Path,
        string SecondaryKey,
        IReadOnlyList<string> VaryNames,
        int Status,
        ResponseTiming Timing,
        FreshnessDefaults Defaults,
        bool Invalidated,
        KeyValuePair<string, StringValues>[] Headers,
        string BodyFile,
        long BodyLength,
        byte[] Sha256);

    private static bool TryParse(byte[] bytes, out ParsedMeta parsed)
    {
        parsed = null!;
        if (bytes.Length < Magic.Length + 32)
        {
            return false;
        }

        var content = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(content).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)) || !content.StartsWith(Magic))
        {
            return false;
        }

        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, Magic.Length, content.Length - Magic.Length), Encoding.UTF8);
            var hostname = r.ReadString();
            var path = r.ReadString();
            var secondary = r.ReadString();
            var varyCount = r.ReadInt32();
            var vary = new string[varyCount];
            for (var i = 0; i < varyCount; i++)
            {
                vary[i] = r.ReadString();
            }

            var status = r.ReadInt32();
            var requestTime = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero);
            var responseTime = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero);
            var dateTicks = r.ReadInt64();
            var ageTicks = r.ReadInt64();
            var defaults = new FreshnessDefaults(TimeSpan.FromTicks(r.ReadInt64()), r.ReadBoolean(), TimeSpan.FromTicks(r.ReadInt64()));
            var invalidated = r.ReadBoolean();
            var headerCount = r.ReadInt32();
            var headers = new KeyValuePair<string, StringValues>[headerCount];
            for (var i = 0; i < headerCount; i++)
            {
                var name = r.ReadString();
                var values = new string[r.ReadInt32()];
                for (var j = 0; j < values.Length; j++)
                {
                    values[j] = r.ReadString();
                }

                headers[i] = new(name, new StringValues(values));
            }

            var bodyFile = r.ReadString();
            var bodyLength = r.ReadInt64();
            var sha = r.ReadBytes(32);
            var timing = new ResponseTiming(
                requestTime,
                responseTime,
                dateTicks < 0 ? null : new DateTimeOffset(dateTicks, TimeSpan.Zero),
                ageTicks < 0 ? null : TimeSpan.FromTicks(ageTicks));
            if (bodyFile.Contains('/', StringComparison.Ordinal) || bodyFile.Contains("..", StringComparison.Ordinal) || bodyFile.Length < 3)
            {
                return false;
            }

            parsed = new ParsedMeta(hostname, path, secondary, vary, status, timing, defaults, invalidated, headers, bodyFile, bodyLength, sha);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }
}

/// <summary>Writes a body file under a temporary name; <see cref="Commit"/> renames it into place.</summary>
internal sealed class BodyFileWriter : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly string _finalPath;
    private readonly string _tempPath;
    private bool _committed;

    public BodyFileWriter(string finalPath, string fileName)
    {
        _finalPath = finalPath;
        FileName = fileName;
        _tempPath = finalPath + ".tmp";
        _file = new FileStream(_tempPath, FileMode.Create, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
    }

    public string FileName { get; }

    public long Length { get; private set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _hash.AppendData(data.Span);
        await _file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        Length += data.Length;
    }

    public (string FileName, byte[] Sha256) Commit()
    {
        _file.Flush();
        _file.Dispose();
        File.Move(_tempPath, _finalPath, overwrite: true);
        _committed = true;
        return (FileName, _hash.GetHashAndReset());
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync().ConfigureAwait(false);
        _hash.Dispose();
        if (!_committed)
        {
            try
            {
                File.Delete(_tempPath);
            }
            catch (IOException)
            {
            }
        }
    }
}
