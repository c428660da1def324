using System.Collections.Concurrent;

namespace Speedera.Core.Gtm;

public readonly record struct PersistenceKey(string Hostname, ClientGroup Client, bool V6);

/// <summary>One remembered answer, as exchanged with the other dns nodes of the zone.</summary>
public sealed record PersistenceRecord(string Hostname, string Client, bool V6, string ServerId, DateTimeOffset CreatedAt, DateTimeOffset LastAccess);

/// <summary>
/// The patent's persistence table: the server handed to a client for a hostname, kept until the
/// hostname's access timeout (idle) or refresh timeout (age) passes. Reads and touches do not allocate.
/// </summary>
public sealed class PersistenceTable(int maxEntries = 1_000_000)
{
    private readonly ConcurrentDictionary<PersistenceKey, Entry> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(in PersistenceKey key, DateTimeOffset now, TimeSpan accessTimeout, TimeSpan refreshTimeout, out string serverId)
    {
        serverId = "";
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        long nowTicks = now.UtcTicks;
        if (IsExpired(entry, nowTicks, accessTimeout, refreshTimeout))
        {
            _entries.TryRemove(new KeyValuePair<PersistenceKey, Entry>(key, entry));
            return false;
        }

        Volatile.Write(ref entry.LastAccessTicks, nowTicks);
        serverId = entry.ServerId;
        return true;
    }

    public void Set(in PersistenceKey key, string serverId, DateTimeOffset now)
    {
        if (_entries.Count >= maxEntries && !_entries.ContainsKey(key))
        {
            return;
        }

        _entries[key] = new Entry(serverId, now.UtcTicks);
    }

    /// <summary>Removes entries idle or older than the given bounds; call it now and then.</summary>
    public int Sweep(DateTimeOffset now, Func<string, (TimeSpan Access, TimeSpan Refresh)?> timeoutsFor)
    {
        ArgumentNullException.ThrowIfNull(timeoutsFor);
        int removed = 0;
        foreach (var (key, entry) in _entries)
        {
            var timeouts = timeoutsFor(key.Hostname);
            if (timeouts is null || IsExpired(entry, now.UtcTicks, timeouts.Value.Access, timeouts.Value.Refresh))
            {
                removed += _entries.TryRemove(new KeyValuePair<PersistenceKey, Entry>(key, entry)) ? 1 : 0;
            }
        }

        return removed;
    }

    /// <summary>Snapshot for synchronising with the other dns nodes of the zone.</summary>
    public IReadOnlyList<PersistenceRecord> Export() =>
        [.. _entries.Select(e => new PersistenceRecord(e.Key.Hostname, e.Key.Client.ToString(), e.Key.V6, e.Value.ServerId,
            new DateTimeOffset(e.Value.CreatedTicks, TimeSpan.Zero), new DateTimeOffset(Volatile.Read(ref e.Value.LastAccessTicks), TimeSpan.Zero)))];

    /// <summary>Merges records from a peer: a record wins when it was created later than ours.</summary>
    public void Import(IEnumerable<PersistenceRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var r in records)
        {
            if (!ClientGroup.TryParse(r.Client, out var client))
            {
                continue;
            }

            var key = new PersistenceKey(r.Hostname, client, r.V6);
            var incoming = new Entry(r.ServerId, r.CreatedAt.UtcTicks) { LastAccessTicks = r.LastAccess.UtcTicks };
            _entries.AddOrUpdate(key, incoming, (_, ours) => ours.CreatedTicks >= incoming.CreatedTicks ? ours : incoming);
        }
    }

    private static bool IsExpired(Entry entry, long nowTicks, TimeSpan accessTimeout, TimeSpan refreshTimeout) =>
        (accessTimeout > TimeSpan.Zero && nowTicks - Volatile.Read(ref entry.LastAccessTicks) > accessTimeout.Ticks)
        || (refreshTimeout > TimeSpan.Zero && nowTicks - entry.CreatedTicks > refreshTimeout.Ticks);

    private sealed class Entry(string serverId, long createdTicks)
    {
        public string ServerId { get; } = serverId;

        public long CreatedTicks { get; } = createdTicks;

        public long LastAccessTicks = createdTicks;
    }
}
