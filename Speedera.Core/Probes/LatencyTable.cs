namespace Speedera.Core.Probes;

/// <summary>What a latency test found: a round trip and how far it got, or nothing.</summary>
public sealed record LatencyProbeResult(TimeSpan RoundTrip, LatencyQuality Quality, string RespondingAddress, LatencyMethodUsed Method)
{
    public static LatencyProbeResult? None => null;
}

/// <summary>The latency method that produced a result (for logs and the NOC page).</summary>
public enum LatencyMethodUsed
{
    Icmp,
    TcpDns,
    DnsPtr,
    UdpHighPort,
    UdpTtlStep,
}

/// <summary>Where a client of a group stands with the probe.</summary>
public enum ClientProbeState
{
    Untried,
    Failed,
    Partial,
    Full,
}

/// <summary>A row to probe: the group and the client address to send to.</summary>
public readonly record struct LatencyProbeTarget(string ClientGroup, string ClientAddress);

public sealed record LatencyClientView(string Address, long Uses, DateTimeOffset LastSeen, ClientProbeState State, bool Active);

public sealed record LatencyRowView(string ClientGroup, IReadOnlyList<LatencyClientView> Clients, LatencyMeasurement? Measurement, DateTimeOffset NextProbeAt);

/// <summary>
/// The latency probe's table (the patent's LATNPD table): one row per client group (resolver /24
/// or ECS subnet) with up to three client addresses and use counters. Rows whose measurement is
/// stale are due for probing. FULL data is preferred: a group with only PARTIAL data switches to a
/// new client when one appears; once a client gave FULL data it stays the only one probed.
/// Thread-safe; time comes from the <see cref="TimeProvider"/>.
/// </summary>
public sealed class LatencyTable
{
    public const int MaxClientsPerGroup = 3;

    private readonly Dictionary<string, Row> _rows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly string _popId;
    private readonly string _probeNodeId;
    private readonly TimeProvider _time;
    private readonly TimeSpan _staleAfter;
    private readonly TimeSpan _retryAfterFailure;
    private readonly int _maxGroups;

    public LatencyTable(string popId, string probeNodeId, TimeProvider time, TimeSpan staleAfter, TimeSpan retryAfterFailure, int maxGroups = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(staleAfter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGroups, 1);
        _popId = popId;
        _probeNodeId = probeNodeId;
        _time = time;
        _staleAfter = staleAfter;
        _retryAfterFailure = retryAfterFailure;
        _maxGroups = maxGroups;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _rows.Count;
            }
        }
    }

    /// <summary>Adds or refreshes a client reported by a dns node.</summary>
    public void Observe(ClientSighting sighting)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_rows.TryGetValue(sighting.ClientGroup, out var row))
            {
                if (_rows.Count >= _maxGroups)
                {
                    EvictLeastRecentlySeen();
                }

                row = new Row(sighting.ClientGroup) { NextProbeAt = now };
                row.Clients.Add(new Client(sighting.ClientAddress) { Uses = sighting.Uses, LastSeen = now });
                _rows.Add(row.Group, row);
                return;
            }

            var existing = row.Clients.FindIndex(c => c.Address == sighting.ClientAddress);
            if (existing >= 0)
            {
                row.Clients[existing].Uses += sighting.Uses;
                row.Clients[existing].LastSeen = now;
                return;
            }

            var client = new Client(sighting.ClientAddress) { Uses = sighting.Uses, LastSeen = now };
            int slot;
            if (row.Clients.Count < MaxClientsPerGroup)
            {
                row.Clients.Add(client);
                slot = row.Clients.Count - 1;
            }
            else
            {
                // Replace a client that gave only PARTIAL (or no) data and is not being probed.
                slot = row.Clients.FindIndex(c => c.State is ClientProbeState.Partial or ClientProbeState.Failed && row.Clients.IndexOf(c) != row.Active);
                if (slot < 0)
                {
                    return;
                }

                row.Clients[slot] = client;
            }

            var active = row.Clients[row.Active];
            if (active.State is ClientProbeState.Partial or ClientProbeState.Failed && !row.InFlight)
            {
                // The new client might give FULL data: probe it now, starting the method list over.
                row.Active = slot;
                row.NextProbeAt = now;
            }
        }
    }

    public void Observe(IEnumerable<ClientSighting> sightings)
    {
        foreach (var s in sightings)
        {
            Observe(s);
        }
    }

    /// <summary>Rows due for a probe (stale or never measured), busiest first; marks them in flight.</summary>
    public IReadOnlyList<LatencyProbeTarget> TakeDue(int max)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var due = _rows.Values
                .Where(r => !r.InFlight && r.NextProbeAt <= now)
                .OrderByDescending(r => r.Clients.Sum(c => c.Uses))
                .ThenBy(r => r.Group, StringComparer.Ordinal)
                .Take(max)
                .ToList();
            foreach (var row in due)
            {
                row.InFlight = true;
            }

            return due.Select(r => new LatencyProbeTarget(r.Group, r.Clients[r.Active].Address)).ToList();
        }
    }

    /// <summary>
    /// Records the outcome of probing <paramref name="target"/>. Returns the measurement to push
    /// to the dns nodes, or null when nothing new is known (the test failed).
    /// </summary>
    public LatencyMeasurement? Record(LatencyProbeTarget target, LatencyProbeResult? result)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_rows.TryGetValue(target.ClientGroup, out var row))
            {
                return null;
            }

            row.InFlight = false;
            var index = row.Clients.FindIndex(c => c.Address == target.ClientAddress);
            if (index < 0)
            {
                row.NextProbeAt = now;
                return null;
            }

            var client = row.Clients[index];
            if (result is null)
            {
                client.State = ClientProbeState.Failed;
                if (!SwitchToUntried(row, now))
                {
                    row.NextProbeAt = now + _retryAfterFailure;
                }

                return null;
            }

            client.State = result.Quality == LatencyQuality.Full ? ClientProbeState.Full : ClientProbeState.Partial;
            var measurement = new LatencyMeasurement(_popId, row.Group, result.RespondingAddress, result.RoundTrip, result.Quality, now, _probeNodeId);
            var keepOld = row.Measurement is { Quality: LatencyQuality.Full } old && result.Quality == LatencyQuality.Partial && now - old.MeasuredAt < _staleAfter;
            if (!keepOld)
            {
                row.Measurement = measurement;
            }

            row.NextProbeAt = now + _staleAfter;
            if (result.Quality == LatencyQuality.Partial)
            {
                SwitchToUntried(row, now);
            }

            return keepOld ? null : measurement;
        }
    }

    public IReadOnlyList<LatencyRowView> Snapshot()
    {
        lock (_lock)
        {
            return _rows.Values
                .OrderBy(r => r.Group, StringComparer.Ordinal)
                .Select(r => new LatencyRowView(
                    r.Group,
                    r.Clients.Select((c, i) => new LatencyClientView(c.Address, c.Uses, c.LastSeen, c.State, i == r.Active)).ToList(),
                    r.Measurement,
                    r.NextProbeAt))
                .ToList();
        }
    }

    /// <summary>Current measurements (for persisting and for re-sending to a restarted dns node).</summary>
    public IReadOnlyList<LatencyMeasurement> Measurements()
    {
        lock (_lock)
        {
            return _rows.Values.Where(r => r.Measurement is not null).Select(r => r.Measurement!).ToList();
        }
    }

    /// <summary>
    /// Seeds rows from saved measurements (e.g. <see cref="LatencyTableFile"/>) so a restarted
    /// probe does not re-probe every group at once; rows become due when their data goes stale.
    /// </summary>
    public void Restore(IEnumerable<LatencyMeasurement> measurements)
    {
        lock (_lock)
        {
            foreach (var m in measurements)
            {
                if (m.PopId != _popId || _rows.ContainsKey(m.ClientGroup) || _rows.Count >= _maxGroups)
                {
                    continue;
                }

                var row = new Row(m.ClientGroup) { Measurement = m, NextProbeAt = m.MeasuredAt + _staleAfter };
                row.Clients.Add(new Client(m.ProbedAddress)
                {
                    LastSeen = m.MeasuredAt,
                    State = m.Quality == LatencyQuality.Full ? ClientProbeState.Full : ClientProbeState.Partial,
                });
                _rows.Add(row.Group, row);
            }
        }
    }

    private static bool SwitchToUntried(Row row, DateTimeOffset now)
    {
        var untried = row.Clients.FindIndex(c => c.State == ClientProbeState.Untried);
        if (untried < 0)
        {
            return false;
        }

        row.Active = untried;
        row.NextProbeAt = now;
        return true;
    }

    private void EvictLeastRecentlySeen()
    {
        Row? victim = null;
        foreach (var row in _rows.Values)
        {
            if (victim is null || row.LastSeen < victim.LastSeen)
            {
                victim = row;
            }
        }

        if (victim is not null)
        {
            _rows.Remove(victim.Group);
        }
    }

    private sealed class Row(string group)
    {
        public string Group { get; } = group;

        public List<Client> Clients { get; } = new(MaxClientsPerGroup);

        public int Active { get; set; }

        public bool InFlight { get; set; }

        public DateTimeOffset NextProbeAt { get; set; }

        public LatencyMeasurement? Measurement { get; set; }

        public DateTimeOffset LastSeen => Clients.Count == 0 ? DateTimeOffset.MinValue : Clients.Max(c => c.LastSeen);
    }

    private sealed class Client(string address)
    {
        public string Address { get; } = address;

        public long Uses { get; set; }

        public DateTimeOffset LastSeen { get; set; }

        public ClientProbeState State { get; set; }
    }
}
