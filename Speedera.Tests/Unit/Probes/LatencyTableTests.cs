using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Probes;

public class LatencyTableTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
    private static readonly TimeSpan Stale = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Retry = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _clock = new(Start);

    private LatencyTable NewTable(int maxGroups = 1000) => new("pop-1", "probe-1", _clock, Stale, Retry, maxGroups);

    private static LatencyProbeResult Full(double ms, string from) => new(TimeSpan.FromMilliseconds(ms), LatencyQuality.Full, from, LatencyMethodUsed.Icmp);

    private static LatencyProbeResult Partial(double ms, string router) => new(TimeSpan.FromMilliseconds(ms), LatencyQuality.Partial, router, LatencyMethodUsed.UdpTtlStep);

    [Fact]
    public void A_new_group_is_due_at_once_and_not_handed_out_twice_while_in_flight()
    {
        var table = NewTable();
        table.Observe(new ClientSighting("198.51.100.0/24", "198.51.100.7", 3));

        var due = Assert.Single(table.TakeDue(10));
        Assert.Equal(new LatencyProbeTarget("198.51.100.0/24", "198.51.100.7"), due);
        Assert.Empty(table.TakeDue(10));
    }

    [Fact]
    public void A_measured_row_is_probed_again_only_when_stale()
    {
        var table = NewTable();
        table.Observe(new ClientSighting("g", "10.0.0.1", 1));
        var target = table.TakeDue(1)[0];
        var m = table.Record(target, Full(12, "10.0.0.1"));

        Assert.NotNull(m);
        Assert.Equal(LatencyQuality.Full, m.Quality);
        Assert.Equal(Start, m.MeasuredAt);
        Assert.Equal("pop-1", m.PopId);
        _clock.Advance(Stale - TimeSpan.FromSeconds(1));
        Assert.Empty(table.TakeDue(10));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(target, Assert.Single(table.TakeDue(10)));
    }

    [Fact]
    public void A_group_holds_at_most_three_clients_with_use_counters()
    {
        var table = NewTable();
        table.Observe(new ClientSighting("g", "10.0.0.1", 1));
        table.Observe(new ClientSighting("g", "10.0.0.1", 4));
        table.Observe(new ClientSighting("g", "10.0.0.2", 1));
        table.Observe(new ClientSighting("g", "10.0.0.3", 1));
        table.Observe(new ClientSighting("g", "10.0.0.4", 1));

        var row = Assert.Single(table.Snapshot());
        Assert.Equal(3, row.Clients.Count);
        Assert.Equal(5, row.Clients.Single(c => c.Address == "10.0.0.1").Uses);
        Assert.DoesNotContain(row.Clients, c => c.Address == "10.0.0.4");
    }

    [Fact]
    public void A_group_with_only_partial_data_switches_to_a_new_client()
    {
        var table = NewTable();
        table.Observe(new ClientSighting("g", "10.0.0.1", 1));
        var first = table.TakeDue(1)[0];
        var partial = table.Record(first, Partial(30, "192.0.2.1"));
        Assert.Equal(LatencyQuality.Partial, partial!.Quality);
        Assert.Equal("192.0.2.1", partial.ProbedAddress);
        Assert.Empty(table.TakeDue(10));

        table.Observe(new ClientSighting("g", "10.0.0.2", 1));

        var next = Assert.Single(table.TakeDue(10));
        Assert.Equal("10.0.0.2", next.ClientAddress);
        var full = table.Record(next, Full(35, "10.0.0.2"));
        Assert.Equal(LatencyQuality.Full, full!.Quality);
        Assert.Equal(LatencyQuality.Full, table.Snapshot()[0].Measurement!.Quality);
    }

    [Fact]
    public void Once_a_client_gave_full_data_new_clients_do_not_take_over()
    {
        var table = NewTable();
        table.Observe(new ClientSighting("g", "10.0.0.1", 1));
        table.Record(table.TakeDue(1)[0], Full(10, "10.0.0.1"));
        table.Observe(new ClientSighting("g", "10.0.0.2", 1));

        Assert.Empty(table.TakeDue(10));
        _clock.Advance(Stale);
        Assert.Equal("10.0.0.1", Assert.Single(table.TakeDue(10)).ClientAddress);
    }

    [Fact]
    public void A_full_client_replaces_a_partial_one_when_the_group_is_full()
    {
        var table = NewTable();
        foreach (var a in new[] { "10.0.0.1", "10.0.0.2", "10.0.0.3" })
        {
            table.Observe(new ClientSighting("g", a, 1));
        }

        // Client 1 gives PARTIAL; the table moves on to client 2 at once, which also gives PARTIAL.
        table.Record(table.TakeDue(1)[0], Partial(30, "192.0.2.1"));
        var second = table.TakeDue(1)[0];
        Assert.Equal("10.0.0.2", second.ClientAddress);
        table.Record(second, Partial(31, "192.0.2.1"));
        var third = table.TakeDue(1)[0];
        Assert.Equal("10.0.0.3", third.ClientAddress);
        table.Record(third, Partial(32, "192.0.2.1"));

        // Group full: a fourth client replaces a PARTIAL client that is not the active one.
        table.Observe(new ClientSighting("g", "10.0.0.4", 1));
        var row = table.Snapshot()[0];
        Assert.Contains(row.Clients, c => c.Address == "10.0.0.4" && c.Active);
        Assert.Equal(3, row.Clients.Count);
        Assert.Equal("10.0.0.4", table.TakeDue(1)[0].ClientAddress);
    }

    [Fact]
    public void Partial_data_does_not_overwrite_fresh_full_data()
    {
        var table = NewTable();
        table.Observe(new ClientSighting("g", "10.0.0.1", 1));
        table.Record(table.TakeDue(1)[0], Full(10, "10.0.0.1"));
        _clock.Advance(Stale);
        var again = table.TakeDue(1)[0];
        _clock.AdjustTime(_clock.GetUtcNow() - TimeSpan.FromSeconds(1)); // the wall clock was set back: the full data is fresh again

        Assert.Null(table.Record(again, Partial(50, "192.0.2.1")));
        Assert.Equal(LatencyQuality.Full, table.Snapshot()[0].Measurement!.Quality);
    }

    [Fact]
    public void A_failed_probe_tries_another_client_or_waits_for_the_retry_interval()
    {
        var table = NewTable();
        table.Observe(new ClientSighting("g", "10.0.0.1", 1));
        table.Observe(new ClientSighting("g", "10.0.0.2", 1));
        Assert.Null(table.Record(table.TakeDue(1)[0], null));

        var second = Assert.Single(table.TakeDue(1));
        Assert.Equal("10.0.0.2", second.ClientAddress);
        Assert.Null(table.Record(second, null));

        Assert.Empty(table.TakeDue(1));
        _clock.Advance(Retry);
        Assert.Single(table.TakeDue(1));
    }

    [Fact]
    public void Busiest_groups_are_probed_first()
    {
        var table = NewTable();
        table.Observe(new ClientSighting("quiet", "10.0.0.1", 1));
        table.Observe(new ClientSighting("busy", "10.0.1.1", 50));
        Assert.Equal("busy", table.TakeDue(1)[0].ClientGroup);
    }

    [Fact]
    public void The_table_is_bounded_by_evicting_the_group_seen_longest_ago()
    {
        var table = NewTable(maxGroups: 2);
        table.Observe(new ClientSighting("a", "10.0.0.1", 1));
        _clock.Advance(TimeSpan.FromSeconds(1));
        table.Observe(new ClientSighting("b", "10.0.0.2", 1));
        _clock.Advance(TimeSpan.FromSeconds(1));
        table.Observe(new ClientSighting("c", "10.0.0.3", 1));

        Assert.Equal(["b", "c"], table.Snapshot().Select(r => r.ClientGroup));
    }

    [Fact]
    public void Restored_measurements_are_not_probed_until_stale()
    {
        var table = NewTable();
        table.Restore([new LatencyMeasurement("pop-1", "g", "10.0.0.1", TimeSpan.FromMilliseconds(9), LatencyQuality.Full, Start.AddMinutes(-5), "probe-1"),
                       new LatencyMeasurement("other-pop", "h", "10.0.0.9", TimeSpan.FromMilliseconds(9), LatencyQuality.Full, Start, "probe-1")]);

        Assert.Equal(1, table.Count);
        Assert.Empty(table.TakeDue(10));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal("10.0.0.1", Assert.Single(table.TakeDue(10)).ClientAddress);
    }

    [Fact]
    public void Latency_table_file_round_trips_and_survives_garbage()
    {
        var dir = Directory.CreateTempSubdirectory("speedera-latency-");
        try
        {
            var path = Path.Combine(dir.FullName, "sub", "latency.tsv");
            var rows = new[]
            {
                new LatencyMeasurement("pop-1", "198.51.100.0/24", "198.51.100.7", TimeSpan.FromMicroseconds(40_123), LatencyQuality.Full, Start, "probe-1"),
                new LatencyMeasurement("pop-2", "2001:db8::/48", "2001:db8::1", TimeSpan.FromMilliseconds(80), LatencyQuality.Partial, Start.AddSeconds(-3), "probe-2"),
            };
            LatencyTableFile.Save(path, rows);
            Assert.Equal(rows, LatencyTableFile.Load(path));

            File.AppendAllText(path, "garbage\tline\n1\t2\t3\t4\t5\t6\t7\n");
            Assert.Equal(rows, LatencyTableFile.Load(path));
            Assert.Empty(LatencyTableFile.Load(Path.Combine(dir.FullName, "missing.tsv")));
            File.WriteAllText(path, "not a latency table\n");
            Assert.Empty(LatencyTableFile.Load(path));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
