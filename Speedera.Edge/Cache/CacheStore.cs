using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>
/// The object store of one cache node: a memory tier (bodies up to a size limit, LRU-ish eviction under a byte budget)
/// over an optional disk tier (every stored object, checksummed, survives restarts, evicted under its own budget).
/// Objects are indexed by canonical hostname, then path and query, then Vary secondary key (RFC 9111 §4.1).
/// </summary>
public sealed class CacheStore : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, Slot>> _hosts = new(StringComparer.Ordinal);
    private readonly CacheServerOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<CachedResponse> _diskQueue;
    private readonly Task _diskWriter;
    // FlushAsync waits on counts, not on the queue looking empty: an entry the writer has taken is still being written.
    private readonly Lock _flushGate = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _flushWaiters = [];
    private long _diskQueued;
    private long _diskSettled;
    private long _memoryBytes;
    private long _diskBytes;
    private int _evicting;

    internal CacheStore(CacheServerOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        Disk = options.DiskPath is { } path ? new DiskTier(path, logger) : null;
        // A full queue drops the write (the object stays in memory); a dropped write counts as settled for FlushAsync.
        _diskQueue = Channel.CreateBounded<CachedResponse>(
            new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => DiskWriteSettled());
        _diskWriter = Disk is null ? Task.CompletedTask : Task.Run(DiskWriterLoopAsync);
    }

    internal DiskTier? Disk { get; }

    public long MemoryBytes => Interlocked.Read(ref _memoryBytes);

    public long DiskBytes => Interlocked.Read(ref _diskBytes);

    public int Count => _hosts.Values.Sum(h => h.Values.Sum(s => s.Variants.Length));

    private sealed class Slot
    {
        public volatile CachedResponse[] Variants = [];
    }

    /// <summary>Loads the disk tier's index; bodies are verified lazily, before first use.</summary>
    internal void LoadFromDisk()
    {
        if (Disk is null)
        {
            return;
        }

        var entries = Disk.LoadAll();
        long bytes = 0;
        foreach (var entry in entries)
        {
            Interlocked.Add(ref _diskBytes, entry.Body.Length);
            bytes += entry.Body.Length;
            Insert(entry, persist: false);
        }

        Log.DiskLoaded(_logger, entries.Count, bytes);
    }

    internal CachedResponse? Lookup(string hostname, string path, IHeaderDictionary requestHeaders)
    {
        if (!_hosts.TryGetValue(hostname, out var paths) || !paths.TryGetValue(path, out var slot))
        {
            return null;
        }

        var variants = slot.Variants;
        if (variants.Length == 0)
        {
            return null;
        }

        if (variants.Length == 1 && variants[0].VaryNames.Count == 0)
        {
            return variants[0];
        }

        string? secondary = null;
        foreach (var variant in variants)
        {
            if (variant.VaryNames.Count == 0)
            {
                return variant;
            }

            secondary = CacheKey.SecondaryKey(variant.VaryNames, name => JoinHeader(requestHeaders, name));
            if (secondary == variant.SecondaryKey)
            {
                return variant;
            }
        }

        return null;
    }

    /// <summary>
    /// The stored response for a URL that has exactly one, without Vary (what any request gets); null otherwise. The
    /// connection-level hit path uses this: it never needs the request's headers to pick a variant.
    /// </summary>
    internal CachedResponse? LookupOnly(string hostname, string path) =>
        _hosts.TryGetValue(hostname, out var paths) && paths.TryGetValue(path, out var slot) &&
        slot.Variants is [{ VaryNames.Count: 0 } only]
            ? only
            : null;

    internal static string? JoinHeader(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>Whether any variant is stored for the URL (used to tell a Vary miss from a plain miss).</summary>
    internal bool HasAny(string hostname, string path) =>
        _hosts.TryGetValue(hostname, out var paths) && paths.TryGetValue(path, out var slot) && slot.Variants.Length > 0;

    /// <summary>Stores a new response (replacing the one with the same secondary key) and queues it for the disk tier.</summary>
    internal void Store(CachedResponse entry)
    {
        if (entry.Body.Memory is { } memory)
        {
            Interlocked.Add(ref _memoryBytes, memory.Length);
        }

        Insert(entry, persist: true);
        MaybeEvict();
    }

    /// <summary>Replaces a stored response with its 304-updated version (same body).</summary>
    internal void Update(CachedResponse previous, CachedResponse updated)
    {
        if (!_hosts.TryGetValue(previous.Hostname, out var paths) || !paths.TryGetValue(previous.Path, out var slot))
        {
            return;
        }

        lock (slot)
        {
            var variants = slot.Variants;
            var i = Array.IndexOf(variants, previous);
            if (i < 0)
            {
                return;
            }

            var copy = (CachedResponse[])variants.Clone();
            copy[i] = updated;
            slot.Variants = copy;
            previous.Removed = true;
        }

        if (Disk is not null && updated.Body.DiskFile is not null)
        {
            QueueDiskWrite(updated);
        }
    }

    /// <summary>Registers a body written straight to disk while it was streamed to a client.</summary>
    internal void AddDiskBytes(long bytes) => Interlocked.Add(ref _diskBytes, bytes);

    private void Insert(CachedResponse entry, bool persist)
    {
        var paths = _hosts.GetOrAdd(entry.Hostname, static _ => new ConcurrentDictionary<string, Slot>(StringComparer.Ordinal));
        var slot = paths.GetOrAdd(entry.Path, static _ => new Slot());
        CachedResponse? replaced = null;
        lock (slot)
        {
            var variants = slot.Variants;
            var list = new List<CachedResponse>(variants.Length + 1);
            foreach (var v in variants)
            {
                if (v.SecondaryKey == entry.SecondaryKey)
                {
                    replaced = v;
                }
                else
                {
                    list.Add(v);
                }
            }

            list.Add(entry);
            slot.Variants = list.ToArray();
        }

        if (replaced is not null && !ReferenceEquals(replaced.Body, entry.Body))
        {
            Release(replaced, deleteMeta: false);
        }

        Touch(entry);
        // Disk writes (body and metadata) happen on the writer task, never on a request thread.
        if (persist && Disk is not null)
        {
            QueueDiskWrite(entry);
        }
    }

    internal static void Touch(CachedResponse entry) => entry.Body.LastAccess = Environment.TickCount64;

    /// <summary>
    /// Keeps a body's memory copy loaded from disk (promotion), counting it in the memory budget; returns the copy to
    /// serve from (the one already kept, if another request was first).
    /// </summary>
    internal ReadOnlyMemory<byte> PromoteToMemory(CachedBody body, byte[] bytes)
    {
        if (body.Memory is { } kept)
        {
            return kept;
        }

        if (bytes.Length > _options.MemoryObjectLimitBytes)
        {
            return bytes;
        }

        var memory = Keep(bytes);
        body.SetMemory(memory);
        Interlocked.Add(ref _memoryBytes, bytes.Length);
        MaybeEvict();
        return memory;
    }

    /// <summary>How a body is held in memory: a sealed memfd for the zero-copy sender when it is on and the body large enough.</summary>
    internal ReadOnlyMemory<byte> Keep(byte[] bytes) => _options.ZeroCopySend ? SealedBody.Store(bytes) : bytes;

    /// <summary>Removes a stored object (e.g. its disk copy failed the checksum).</summary>
    internal void Remove(CachedResponse entry)
    {
        if (!_hosts.TryGetValue(entry.Hostname, out var paths) || !paths.TryGetValue(entry.Path, out var slot))
        {
            return;
        }

        bool removed;
        lock (slot)
        {
            var variants = slot.Variants;
            removed = Array.IndexOf(variants, entry) >= 0;
            if (removed)
            {
                slot.Variants = variants.Where(v => !ReferenceEquals(v, entry)).ToArray();
            }
        }

        if (removed)
        {
            Release(entry, deleteMeta: true);
        }
    }

    private void Release(CachedResponse entry, bool deleteMeta)
    {
        entry.Removed = true;
        var body = entry.Body;
        if (body.Memory is { } memory)
        {
            body.SetMemory(null);
            Interlocked.Add(ref _memoryBytes, -memory.Length);
        }

        if (Disk is not null && body.DiskFile is not null)
        {
            Interlocked.Add(ref _diskBytes, -body.Length);
            if (deleteMeta)
            {
                Disk.Delete(entry);
            }
            else
            {
                Disk.DeleteBody(body);
            }
        }
    }

    /// <summary>
    /// Applies a purge order: removes (or, when soft, marks stale) every object of the hostname that the order matches.
    /// Returns the number of objects affected.
    /// </summary>
    public int Purge(PurgeOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var hostname = order.Hostname.TrimEnd('.').ToLowerInvariant();
        if (!_hosts.TryGetValue(hostname, out var paths))
        {
            return 0;
        }

        var count = 0;
        foreach (var (path, slot) in paths)
        {
            if (!order.Matches(path))
            {
                continue;
            }

            CachedResponse[] variants;
            lock (slot)
            {
                variants = slot.Variants;
                if (!order.Soft)
                {
                    slot.Variants = [];
                    paths.TryRemove(new KeyValuePair<string, Slot>(path, slot));
                }
            }

            foreach (var entry in variants)
            {
                count++;
                if (order.Soft)
                {
                    entry.Invalidated = true;
                    if (Disk is not null && entry.Body.DiskFile is not null)
                    {
                        QueueDiskWrite(entry);
                    }
                }
                else
                {
                    Release(entry, deleteMeta: true);
                }
            }
        }

        return count;
    }

    /// <summary>RFC 9111 §4.4: after an unsafe request succeeds, stored responses for the URL are invalidated.</summary>
    internal int Invalidate(string hostname, string path)
    {
        if (!_hosts.TryGetValue(hostname, out var paths) || !paths.TryGetValue(path, out var slot))
        {
            return 0;
        }

        var variants = slot.Variants;
        foreach (var entry in variants)
        {
            entry.Invalidated = true;
        }

        return variants.Length;
    }

    private IEnumerable<CachedResponse> AllEntries() =>
        _hosts.Values.SelectMany(p => p.Values).SelectMany(s => s.Variants);

    // Eviction sorts every candidate, so it runs on the thread pool, one pass at a time, not on the request that overflowed.
    private void MaybeEvict()
    {
        if (!OverBudget() || Interlocked.Exchange(ref _evicting, 1) == 1)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static self =>
            {
                // An object stored while a pass runs finds it busy and does not queue another, so the pass
                // checks again after it ends and keeps going while the tiers are still over budget.
                do
                {
                    try
                    {
                        self.EvictMemory();
                        self.EvictDisk();
                    }
                    finally
                    {
                        Volatile.Write(ref self._evicting, 0);
                    }
                }
                while (self.OverBudget() && Interlocked.Exchange(ref self._evicting, 1) == 0);
            },
            this,
            preferLocal: false);
    }

    private bool OverBudget() =>
        Interlocked.Read(ref _memoryBytes) > _options.MemoryCapacityBytes || Interlocked.Read(ref _diskBytes) > _options.DiskCapacityBytes;

    // LRU-ish: sort the candidates by last access and drop the oldest until 90% of the budget is used.
    private void EvictMemory()
    {
        var budget = _options.MemoryCapacityBytes;
        if (Interlocked.Read(ref _memoryBytes) <= budget)
        {
            return;
        }

        var target = budget / 10 * 9;
        foreach (var entry in AllEntries().Where(e => e.Body.Memory is not null).OrderBy(e => e.Body.LastAccess).ToList())
        {
            if (Interlocked.Read(ref _memoryBytes) <= target)
            {
                break;
            }

            if (entry.Body.DiskFile is not null)
            {
                if (entry.Body.Memory is { } memory)
                {
                    entry.Body.SetMemory(null);
                    Interlocked.Add(ref _memoryBytes, -memory.Length);
                }
            }
            else
            {
                Remove(entry);
            }
        }
    }

    private void EvictDisk()
    {
        var budget = _options.DiskCapacityBytes;
        if (Disk is null || Interlocked.Read(ref _diskBytes) <= budget)
        {
            return;
        }

        var target = budget / 10 * 9;
        foreach (var entry in AllEntries().Where(e => e.Body.DiskFile is not null).OrderBy(e => e.Body.LastAccess).ToList())
        {
            if (Interlocked.Read(ref _diskBytes) <= target)
            {
                break;
            }

            Remove(entry);
        }
    }

    internal void EvictIfNeeded() => MaybeEvict();

    private void WriteMetaSafe(CachedResponse entry)
    {
        try
        {
            if (!entry.Removed)
            {
                Disk!.WriteMeta(entry);
            }
        }
        catch (IOException ex)
        {
            Log.DiskWriteFailed(_logger, ex, entry.Hostname, entry.Path);
        }
    }

    private void QueueDiskWrite(CachedResponse entry)
    {
        Interlocked.Increment(ref _diskQueued);
        if (!_diskQueue.Writer.TryWrite(entry))
        {
            DiskWriteSettled();
        }
    }

    /// <summary>One queued write is done, skipped, failed or dropped: wakes the flushes it was the last one for.</summary>
    private void DiskWriteSettled()
    {
        var settled = Interlocked.Increment(ref _diskSettled);
        lock (_flushGate)
        {
            _flushWaiters.RemoveAll(w => w.Target <= settled && w.Done.TrySetResult());
        }
    }

    private async Task DiskWriterLoopAsync()
    {
        try
        {
            await foreach (var entry in _diskQueue.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    await WriteToDiskAsync(entry).ConfigureAwait(false);
                }
                finally
                {
                    DiskWriteSettled();
                }
            }
        }
        finally
        {
            lock (_flushGate)
            {
                _flushWaiters.ForEach(w => w.Done.TrySetResult());
                _flushWaiters.Clear();
            }
        }
    }

    private async Task WriteToDiskAsync(CachedResponse entry)
    {
        try
        {
            if (entry.Removed)
            {
                return;
            }

            var body = entry.Body;
            if (body.DiskFile is null)
            {
                if (body.Memory is not { } memory)
                {
                    return;
                }

                var keyHash = DiskTier.KeyHash(entry.Hostname, entry.Path, entry.SecondaryKey);
                var (file, _) = await Disk!.WriteBodyAsync(keyHash, memory, CancellationToken.None).ConfigureAwait(false);
                body.DiskFile = file;
                body.DiskVerified = true;
                Interlocked.Add(ref _diskBytes, body.Length);
            }

            WriteMetaSafe(entry);

            // Removed while being written: do not let it come back after a restart.
            if (entry.Removed && !IsLive(entry) && body.DiskFile is not null)
            {
                Disk!.Delete(entry);
                if (body.Memory is null)
                {
                    Interlocked.Add(ref _diskBytes, -body.Length);
                }
            }

            MaybeEvict();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.DiskWriteFailed(_logger, ex, entry.Hostname, entry.Path);
        }
    }

    private bool IsLive(CachedResponse entry) =>
        _hosts.TryGetValue(entry.Hostname, out var paths) && paths.TryGetValue(entry.Path, out var slot) &&
        slot.Variants.Any(v => ReferenceEquals(v.Body, entry.Body));

    /// <summary>Waits until queued disk writes are done (tests and orderly shutdown).</summary>
    internal Task FlushAsync()
    {
        lock (_flushGate)
        {
            var target = Interlocked.Read(ref _diskQueued);
            if (Interlocked.Read(ref _diskSettled) >= target || _diskWriter.IsCompleted)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushWaiters.Add((target, done));
            return done.Task;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _diskQueue.Writer.TryComplete();
        await _diskWriter.ConfigureAwait(false);
    }
}
