using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Speedera.Core.Cache;
using Speedera.Core.Gtm;
using Speedera.Tests.Integration.Portal;
using Speedera.Tests.Support;
using Speedera.Web.Data;
using Speedera.Web.Features.Reports;

namespace Speedera.Tests.Integration.Traffic;

/// <summary>The analytics store on a real database: bulk idempotent ingest, queries, downsampling and retention.</summary>
public abstract class TrafficStoreTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    private static readonly DateTimeOffset Now = TestClock.Start;

    private (IServiceProvider Services, RelationalTrafficStore Store, FakeTimeProvider Clock) Start(DateTimeOffset? start = null)
    {
        var app = factory.WithWebHostBuilder(b => b.ConfigureTestServices(services => services.RemoveAll<IHostedService>()));
        var clock = new FakeTimeProvider(start ?? Now);
        var store = new RelationalTrafficStore(
            app.Services.GetRequiredService<IServiceScopeFactory>(), Options.Create(new TrafficStoreOptions()), clock, NullLogger<RelationalTrafficStore>.Instance);
        return (app.Services, store, clock);
    }

    /// <summary>Ingests like the upload endpoint does: in one transaction with SaveChanges.</summary>
    private static async Task IngestAsync(IServiceProvider services, Func<SpeederaDbContext, Task> ingest)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        await using var tx = await db.Database.BeginTransactionAsync();
        await ingest(db);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
    }

    private static UsageRollup Usage(DateTimeOffset minute, string host, string pop, long requests, long bytes, long hits = 0, long misses = 0, long s5xx = 0) =>
        new(minute, host, pop, "node-1", requests, bytes, bytes / 4, requests - s5xx, 0, 0, s5xx, hits, misses);

    private static string Host() => $"h{Guid.NewGuid():N}"[..16] + ".example.test";

    [Fact]
    public async Task Usage_batches_add_up_per_key_and_queries_sum_them_per_pop_and_step()
    {
        var (services, store, _) = Start();
        var host = Host();
        var m0 = Now.AddMinutes(-30);
        await IngestAsync(services, db => store.AddUsageAsync(db, "node-1",
            [Usage(m0, host, "sjc", 10, 1000, hits: 8, misses: 2), Usage(m0, host, "sjc", 5, 500), Usage(m0, host, "lhr", 1, 100), Usage(m0.AddMinutes(1), host, "sjc", 7, 700)], default));
        await IngestAsync(services, db => store.AddUsageAsync(db, "node-1", [Usage(m0, host, "sjc", 3, 300)], default));
        await IngestAsync(services, db => store.AddUsageAsync(db, "node-2", [Usage(m0, host, "sjc", 2, 200)], default));

        var minute = await store.UsageAsync(new TrafficQuery([host], Now.AddHours(-1), Now, TimeSpan.FromMinutes(1)));
        Assert.Equal(TimeSpan.FromMinutes(1), minute.Step);
        var sjc = minute.Points.Single(p => p.Time == m0 && p.Key == "sjc");
        Assert.Equal(20, sjc.Requests);
        Assert.Equal(2000, sjc.BytesToClients);
        Assert.Equal(8, sjc.Hits);
        Assert.Equal(1, minute.Points.Single(p => p.Time == m0 && p.Key == "lhr").Requests);
        Assert.Equal(7, minute.Points.Single(p => p.Time == m0.AddMinutes(1)).Requests);

        var fiveMinutes = await store.UsageAsync(new TrafficQuery([host], Now.AddHours(-1), Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(27, fiveMinutes.Points.Where(p => p.Key == "sjc").Sum(p => p.Requests));
        Assert.Single(fiveMinutes.Points, p => p.Key == "sjc");

        var byNode = await store.UsageAsync(new TrafficQuery([host], Now.AddHours(-1), Now, TimeSpan.FromHours(1), UsageSplit.Node));
        Assert.Equal(2, byNode.Points.Single(p => p.Key == "node-2").Requests);
        Assert.Equal(26, byNode.Points.Single(p => p.Key == "node-1").Requests);

        var other = await store.UsageAsync(new TrafficQuery([Host()], Now.AddHours(-1), Now, TimeSpan.FromMinutes(1)));
        Assert.Empty(other.Points);
    }

    [Fact]
    public async Task Maintenance_moves_old_minutes_into_hours_keeps_totals_and_expires_past_retention()
    {
        var old = Now.AddDays(-3);
        var hour = new DateTimeOffset(old.Year, old.Month, old.Day, old.Hour, 0, 0, TimeSpan.Zero);
        var (services, store, clock) = Start(hour.AddHours(1).AddMinutes(1));
        var host = Host();

        // Uploaded while fresh, three days ago: they land in the minute table.
        await IngestAsync(services, db => store.AddUsageAsync(db, "node-1",
            [Usage(hour.AddMinutes(-1), host, "sjc", 1, 10), Usage(hour, host, "sjc", 1, 10), Usage(hour.AddMinutes(59), host, "sjc", 2, 20)], default));
        await IngestAsync(services, db => store.AddDecisionsAsync(db, "dns-1",
            [new DecisionCountRow(hour.AddMinutes(3), host, "192.0.2.1", "sjc", 6, GtmReason.Latency)], default));
        clock.SetUtcNow(Now);
        await IngestAsync(services, db => store.AddUsageAsync(db, "node-1", [Usage(Now.AddMinutes(-5), host, "sjc", 4, 40)], default));
        using (var scope = services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            Assert.Equal(4, await db.UsageRollups.CountAsync(u => u.Hostname == host));
        }

        // Before maintenance the old minutes sit in the minute table, which a 7-day query does not read: move them.
        var result = await store.MaintainAsync(clock.GetUtcNow());
        Assert.True(result.HoursDownsampled >= 2, $"hours downsampled: {result.HoursDownsampled}");
        using (var scope = services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            Assert.Equal(0, await db.UsageRollups.CountAsync(u => u.Hostname == host && u.Minute < Now.UtcDateTime.AddDays(-2)));
            Assert.Equal(1, await db.UsageRollups.CountAsync(u => u.Hostname == host));
            var hourly = await db.UsageHourly.Where(u => u.Hostname == host).OrderBy(u => u.Hour).ToListAsync();
            Assert.Equal([1L, 3L], hourly.Select(h => h.Requests));
            Assert.Equal(hour.UtcDateTime, hourly[1].Hour);
            Assert.Equal(6, (await db.DecisionHourly.SingleAsync(d => d.Hostname == host)).Count);
        }

        var week = await store.UsageAsync(new TrafficQuery([host], Now.AddDays(-7), Now, TimeSpan.FromMinutes(1)));
        Assert.Equal(TimeSpan.FromHours(1), week.Step);
        Assert.Equal(8, week.Points.Sum(p => p.Requests));
        Assert.Equal(3, week.Points.Single(p => p.Time == hour).Requests);
        var decisions = await store.DecisionsAsync(new TrafficQuery([host], Now.AddDays(-7), Now, TimeSpan.FromHours(1)));
        Assert.Equal("Latency", Assert.Single(decisions.Points).Reason);

        // Running again changes nothing; a late row for a moved hour is added to the hour directly.
        await store.MaintainAsync(clock.GetUtcNow());
        await IngestAsync(services, db => store.AddUsageAsync(db, "node-1", [Usage(hour.AddMinutes(10), host, "sjc", 5, 50)], default));
        week = await store.UsageAsync(new TrafficQuery([host], Now.AddDays(-7), Now, TimeSpan.FromHours(1)));
        Assert.Equal(13, week.Points.Sum(p => p.Requests));

        // Thirteen months later the hours are gone.
        clock.Advance(TimeSpan.FromDays(400));
        var expired = await store.MaintainAsync(clock.GetUtcNow());
        Assert.True(expired.HourlyRowsExpired >= 3, $"expired: {expired.HourlyRowsExpired}");
        using (var scope = services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            Assert.Equal(0, await db.UsageHourly.CountAsync(u => u.Hostname == host));
        }
    }

    [Fact]
    public async Task Network_wide_queries_read_the_per_pop_totals_which_match_the_hostname_rows_before_and_after_downsampling()
    {
        var old = Now.AddDays(-3);
        var hour = new DateTimeOffset(old.Year, old.Month, old.Day, old.Hour, 0, 0, TimeSpan.Zero);
        var (services, store, clock) = Start(hour.AddMinutes(30));
        var pop = "p" + Guid.NewGuid().ToString("N")[..10];
        var node = "n-" + Guid.NewGuid().ToString("N");
        var hosts = Enumerable.Range(0, 150).Select(_ => Host()).ToList();

        // 300 rows in one batch (PostgreSQL takes the COPY path from 200), then the same keys again: counts add up.
        UsageRollup[] Batch(DateTimeOffset at) => [.. hosts.SelectMany((h, i) => new[]
        {
            new UsageRollup(at, h, pop, node, i + 1, 100, 10, i + 1, 0, 0, 0, 1, i),
            new UsageRollup(at.AddMinutes(1), h, pop, node, 2, 200, 20, 2, 0, 0, 0, 1, 1),
        })];
        long perBatch = hosts.Select((_, i) => i + 1L + 2).Sum();
        await IngestAsync(services, db => store.AddUsageAsync(db, node, Batch(hour.AddMinutes(5)), default));
        await IngestAsync(services, db => store.AddUsageAsync(db, node, Batch(hour.AddMinutes(5)), default));

        // Fresh traffic too, inside today's minute window.
        clock.SetUtcNow(Now);
        await IngestAsync(services, db => store.AddUsageAsync(db, node, Batch(Now.AddMinutes(-20)), default));

        var day = await store.UsageAsync(new TrafficQuery(null, Now.AddHours(-1), Now, TimeSpan.FromMinutes(1)));
        Assert.Equal(perBatch, day.Points.Where(p => p.Key == pop).Sum(p => p.Requests));
        Assert.Equal(hosts.Count * 300L, day.Points.Where(p => p.Key == pop).Sum(p => p.BytesToClients));
        var byNode = await store.UsageAsync(new TrafficQuery(null, Now.AddHours(-1), Now, TimeSpan.FromMinutes(5), UsageSplit.Node));
        Assert.Equal(perBatch, byNode.Points.Where(p => p.Key == node).Sum(p => p.Requests));
        var one = await store.UsageAsync(new TrafficQuery([hosts[7]], Now.AddHours(-1), Now, TimeSpan.FromMinutes(1)));
        Assert.Equal(8 + 2, one.Points.Sum(p => p.Requests));

        // The three-day-old minutes move to hours for both tables; the network-wide week still adds up.
        await store.MaintainAsync(clock.GetUtcNow());
        using (var scope = services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            Assert.Equal(0, await db.UsagePopMinutes.CountAsync(u => u.PopId == pop && u.Minute < Now.UtcDateTime.AddDays(-2)));
            Assert.Equal(2 * perBatch, (await db.UsagePopHourly.SingleAsync(u => u.PopId == pop)).Requests);
        }

        var week = await store.UsageAsync(new TrafficQuery(null, Now.AddDays(-7), Now, TimeSpan.FromHours(1)));
        Assert.Equal(3 * perBatch, week.Points.Where(p => p.Key == pop).Sum(p => p.Requests));
        var weekByHost = await store.UsageAsync(new TrafficQuery(hosts, Now.AddDays(-7), Now, TimeSpan.FromHours(1)));
        Assert.Equal(3 * perBatch, weekByHost.Points.Sum(p => p.Requests));

        // Thirteen months later the per-POP hours are gone too.
        clock.Advance(TimeSpan.FromDays(400));
        await store.MaintainAsync(clock.GetUtcNow());
        using (var scope = services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            Assert.Equal(0, await db.UsagePopHourly.CountAsync(u => u.PopId == pop));
        }
    }

    [Fact]
    public async Task Decisions_keep_their_reason_per_interval()
    {
        var (services, store, _) = Start();
        var host = Host();
        var m = Now.AddMinutes(-20);
        await IngestAsync(services, db => store.AddDecisionsAsync(db, "dns-1",
            [new DecisionCountRow(m, host, "192.0.2.1", "sjc", 4, GtmReason.Latency), new DecisionCountRow(m, host, "192.0.2.1", "sjc", 2, GtmReason.Persistence),
             new DecisionCountRow(m, host, "192.0.2.2", "lhr", 1, GtmReason.HiddenFailover), new DecisionCountRow(m, host, "192.0.2.2", "lhr", 3)], default));
        await IngestAsync(services, db => store.AddDecisionsAsync(db, "dns-1", [new DecisionCountRow(m, host, "192.0.2.1", "sjc", 1, GtmReason.Latency)], default));

        var series = await store.DecisionsAsync(new TrafficQuery([host], Now.AddHours(-1), Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(5, series.Points.Single(p => p.Address == "192.0.2.1" && p.Reason == "Latency").Count);
        Assert.Equal(2, series.Points.Single(p => p.Address == "192.0.2.1" && p.Reason == "Persistence").Count);
        Assert.Equal(1, series.Points.Single(p => p.Reason == "HiddenFailover").Count);
        Assert.Equal(3, series.Points.Single(p => p.Address == "192.0.2.2" && p.Reason == "").Count);
    }

    [Fact]
    public async Task Client_groups_and_query_counts_cover_the_window_asked_for()
    {
        var (services, store, _) = Start();
        var host = Host();
        await IngestAsync(services, db => store.AddClientGroupsAsync(db, "dns-1",
            [new ClientGroupCountRow(Now.AddMinutes(-10), host, "81.2.69.0/24", "127.0.0.2", 5), new ClientGroupCountRow(Now.AddMinutes(-9), host, "81.2.69.0/24", "127.0.0.2", 2),
             new ClientGroupCountRow(Now.AddMinutes(-9), host, "175.45.176.0/24", "127.0.0.3", 1), new ClientGroupCountRow(Now.AddHours(-30), host, "1.0.0.0/24", "127.0.0.3", 9)], default));
        await IngestAsync(services, db => store.AddClientGroupsAsync(db, "dns-2", [new ClientGroupCountRow(Now.AddMinutes(-10), host, "81.2.69.0/24", "127.0.0.2", 1)], default));

        var groups = await store.ClientGroupsAsync(host, Now.AddHours(-24));
        Assert.Equal(new ClientGroupTotal(host, "81.2.69.0/24", "127.0.0.2", 8), groups[0]);
        Assert.Equal(2, groups.Count);
        var counts = await store.QueryCountsAsync(Now.AddHours(-24));
        Assert.Equal(9, counts[host]);
        Assert.Equal(18, (await store.QueryCountsAsync(Now.AddHours(-48)))[host]);
    }

    [Fact]
    public async Task Only_one_instance_holds_the_maintenance_lease_until_it_expires()
    {
        var (services, _, _) = Start();
        var name = "test-" + Guid.NewGuid().ToString("N")[..8];
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        Assert.True(await JobLease.TryAcquireAsync(db, name, "a", Now, TimeSpan.FromMinutes(5), default));
        Assert.False(await JobLease.TryAcquireAsync(db, name, "b", Now.AddMinutes(1), TimeSpan.FromMinutes(5), default));
        Assert.True(await JobLease.TryAcquireAsync(db, name, "a", Now.AddMinutes(1), TimeSpan.FromMinutes(5), default));
        Assert.True(await JobLease.TryAcquireAsync(db, name, "b", Now.AddMinutes(7), TimeSpan.FromMinutes(5), default));
        await JobLease.ReleaseAsync(db, name, "b", default);
        Assert.True(await JobLease.TryAcquireAsync(db, name, "a", Now.AddMinutes(8), TimeSpan.FromMinutes(5), default));
    }
}

public sealed class SqliteTrafficStoreTests(SqlitePortalFactory factory) : TrafficStoreTests<SqlitePortalFactory>(factory);

public sealed class PostgresTrafficStoreTests(PostgresPortalFactory factory) : TrafficStoreTests<PostgresPortalFactory>(factory);

/// <summary>PostgreSQL: the traffic tables are partitioned by time; maintenance creates partitions ahead and drops spent ones.</summary>
public sealed class PostgresTrafficPartitionTests(PostgresPortalFactory factory) : IClassFixture<PostgresPortalFactory>
{
    private static readonly DateTimeOffset Now = TestClock.Start;

    private async Task<T> ScalarAsync<T>(string sql)
    {
        using var scope = factory.WithWebHostBuilder(b => b.ConfigureTestServices(services => services.RemoveAll<IHostedService>())).Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        return await db.Database.SqlQueryRaw<T>(sql).SingleAsync();
    }

    [Fact]
    public async Task Rows_move_from_the_default_partition_into_their_day_and_spent_partitions_are_dropped_with_totals_kept()
    {
        var app = factory.WithWebHostBuilder(b => b.ConfigureTestServices(services => services.RemoveAll<IHostedService>()));
        var clock = new FakeTimeProvider(Now);
        var store = new RelationalTrafficStore(app.Services.GetRequiredService<IServiceScopeFactory>(), Options.Create(new TrafficStoreOptions()), clock, NullLogger<RelationalTrafficStore>.Instance);
        var host = $"part-{Guid.NewGuid():N}"[..20] + ".example.test";
        var day = $"UsageRollups_d{Now:yyyyMMdd}";

        Assert.True(await ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid WHERE c.relname = 'UsageRollups') AS \"Value\""));
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
            await using var tx = await db.Database.BeginTransactionAsync();
            await store.AddUsageAsync(db, "node-1", [new UsageRollup(Now.AddMinutes(-10), host, "sjc", "node-1", 7, 700, 70, 7, 0, 0, 0, 3, 4)], default);
            await tx.CommitAsync();
        }

        // No partition for the day yet: the row waits in the default partition, then moves when maintenance creates the day.
        Assert.Equal(1, await ScalarAsync<int>($"SELECT COUNT(*)::int AS \"Value\" FROM \"UsageRollups_default\" WHERE \"Hostname\" = '{host}'"));
        await store.MaintainAsync(clock.GetUtcNow());
        Assert.Equal(0, await ScalarAsync<int>($"SELECT COUNT(*)::int AS \"Value\" FROM \"UsageRollups_default\" WHERE \"Hostname\" = '{host}'"));
        Assert.Equal(1, await ScalarAsync<int>($"SELECT COUNT(*)::int AS \"Value\" FROM \"{day}\" WHERE \"Hostname\" = '{host}'"));
        Assert.True(await ScalarAsync<bool>($"SELECT to_regclass('\"UsageRollups_d{Now.AddDays(2):yyyyMMdd}\"') IS NOT NULL AS \"Value\""), "two days ahead exist");
        Assert.True(await ScalarAsync<bool>($"SELECT to_regclass('\"UsageHourly_m{Now.AddMonths(-12):yyyyMM}\"') IS NOT NULL AS \"Value\""), "the retention's months exist");

        // Four days on, the day is past the minute window: its row moves to the hour and the emptied day partition goes.
        clock.Advance(TimeSpan.FromDays(4));
        await store.MaintainAsync(clock.GetUtcNow());
        Assert.False(await ScalarAsync<bool>($"SELECT to_regclass('\"{day}\"') IS NOT NULL AS \"Value\""), "the spent day partition is dropped");
        var week = await store.UsageAsync(new TrafficQuery([host], clock.GetUtcNow().AddDays(-7), clock.GetUtcNow(), TimeSpan.FromHours(1)));
        Assert.Equal(7, week.Points.Sum(p => p.Requests));

        // Past the retention the month partition goes whole, and its rows count as expired.
        clock.Advance(TimeSpan.FromDays(420));
        var result = await store.MaintainAsync(clock.GetUtcNow());
        Assert.True(result.HourlyRowsExpired >= 1, $"expired: {result.HourlyRowsExpired}");
        Assert.False(await ScalarAsync<bool>($"SELECT to_regclass('\"UsageHourly_m{Now:yyyyMM}\"') IS NOT NULL AS \"Value\""), "the month past retention is dropped");
    }

    [Theory]
    [InlineData("UsageRollups", "UsageRollups_d20261129", "2026-11-30")]
    [InlineData("UsageHourly", "UsageHourly_m202612", "2027-01-01")]
    [InlineData("UsageRollups", "UsageRollups_default", null)]
    [InlineData("UsagePopMinutes", "UsageRollups_d20261129", null)]
    public void Partition_names_carry_their_range(string table, string partition, string? end) =>
        Assert.Equal(end is null ? null : DateTime.Parse(end, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal),
            RelationalTrafficStore.PartitionEnd(table, partition));
}
