using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Speedera.Core.Cache;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Speedera.Tests.Integration.Portal;
using Speedera.Web.Hosting;
using Speedera.Web.Data;
using Speedera.Web.Features.Reports;
using Xunit.Abstractions;

namespace Speedera.Tests.Integration.Traffic;

/// <summary>Runs only from bench/analytics/run.sh (SPEEDERA_ANALYTICS_BENCH=1, PostgreSQL in SPEEDERA_TEST_POSTGRES).</summary>
public sealed class AnalyticsBenchFactAttribute : FactAttribute
{
    public AnalyticsBenchFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SPEEDERA_ANALYTICS_BENCH") != "1")
        {
            Skip = "benchmark: run bench/analytics/run.sh";
        }
    }
}

/// <summary>
/// bench/analytics: 30 days of usage for many hostnames on PostgreSQL, kept as the store keeps them (minute rows for the
/// last 48 hours, hourly rows before, per-POP totals beside them). The history is loaded with plain binary COPY (phase
/// "load"); the timed ingest then sends the newest minutes of every hostname through the same bulk upsert the upload
/// endpoint uses, with one writer per cache node (phase "measure"), and times the 24-hour query of one hostname at
/// minute resolution and the network-wide 24-hour query. Every timed answer is checked against the generator.
/// The two phases can run apart (BENCH_PHASE=load, later BENCH_PHASE=measure on an idle machine) against a kept
/// database; the data is placed relative to an anchor time stored in the database, so both phases agree.
/// </summary>
public sealed class AnalyticsBench(ITestOutputHelper output)
{
    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    private static readonly string[] Counters = ["Requests", "BytesToClients", "BytesFromOrigin", "Status2xx", "Status3xx", "Status4xx", "Status5xx", "Hits", "Misses"];

    [AnalyticsBenchFact]
    public async Task Ingest_rate_and_query_latency()
    {
        int hostnames = Setting("BENCH_HOSTNAMES", 10_000);
        int pops = Setting("BENCH_POPS", 50);
        int popsPerHostname = Math.Min(pops, Setting("BENCH_POPS_PER_HOSTNAME", 3));
        int days = Setting("BENCH_DAYS", 30);
        int queries = Setting("BENCH_QUERIES", 50);
        int workers = Setting("BENCH_WORKERS", 4);
        int ingestMinutes = Setting("BENCH_INGEST_MINUTES", 60);
        var phase = Environment.GetEnvironmentVariable("BENCH_PHASE") is { Length: > 0 } p ? p : "all";
        var database = Environment.GetEnvironmentVariable("BENCH_DATABASE") is { Length: > 0 } d ? d : "speedera_bench_" + Guid.NewGuid().ToString("N")[..8];
        bool keep = Environment.GetEnvironmentVariable("BENCH_DATABASE") is { Length: > 0 };
        const int RowsPerBatch = 5_000;

        var connectionString = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = database, CommandTimeout = 3600 }.ConnectionString;
        var services = new ServiceCollection().AddLogging();
        // The portal's model, as design time and tools build it.
        services.AddScoped(_ => SpeederaDatabase.CreateContext(DatabaseProvider.Postgres, connectionString));
        await using var provider = services.BuildServiceProvider();
        var report = new StringBuilder();
        try
        {
            if (phase is "all" or "load")
            {
                await PostgresServer.DropDatabaseAsync(database);
                await PostgresServer.CreateDatabaseAsync(database);
                await using (var scope = provider.CreateAsyncScope())
                {
                    await scope.ServiceProvider.GetRequiredService<SpeederaDbContext>().Database.MigrateAsync();
                }

                var anchorNow = DateTimeOffset.UtcNow;
                var anchor = new DateTimeOffset(anchorNow.Ticks - (anchorNow.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
                var loaded = Stopwatch.StartNew();
                long historyRows = await LoadHistoryAsync(connectionString, anchor, anchor.AddMinutes(-ingestMinutes));
                loaded.Stop();
                report.AppendLine(CultureInfo.InvariantCulture, $"history load (binary COPY, not the timed ingest): {historyRows} rows in {loaded.Elapsed.TotalSeconds:0} s, anchor {anchor:u}");
            }

            if (phase is "all" or "measure")
            {
                await MeasureAsync();
            }
        }
        finally
        {
            output.WriteLine(report.ToString());
            if (Environment.GetEnvironmentVariable("SPEEDERA_ANALYTICS_OUT") is { Length: > 0 } path)
            {
                await File.AppendAllTextAsync(path, report.ToString());
            }

            if (!keep || phase == "drop")
            {
                await PostgresServer.DropDatabaseAsync(database);
            }
        }

        long RequestsAt(int h, int p, DateTimeOffset t) => 1 + ((h + p + t.Minute) % 20);
        string Pop(int h, int p) => $"p{(h + p * 7) % pops:D2}";
        string Name(int h) => $"h{h:D5}.bench.example";
        string NodeOf(int h) => $"bench-node-{h % workers}";

        // Rows as a cache node would report them: one per (interval, hostname, POP), minutes inside the minute window,
        // hours before it (an hour's row is the sum of its minutes' requests).
        IEnumerable<(DateTimeOffset At, bool Hour, int H, int P)> Slots(DateTimeOffset anchor, DateTimeOffset cutoff, DateTimeOffset from, DateTimeOffset to, int worker)
        {
            for (int h = worker; h < hostnames; h += workers)
            {
                for (int p = 0; p < popsPerHostname; p++)
                {
                    for (var t = from; t < to; t = t < cutoff ? t.AddHours(1) : t.AddMinutes(1))
                    {
                        yield return (t, t < cutoff, h, p);
                    }
                }
            }
        }

        long Requests(DateTimeOffset t, bool hour, int h, int p)
        {
            if (!hour)
            {
                return RequestsAt(h, p, t);
            }

            long sum = 0;
            for (int m = 0; m < 60; m++)
            {
                sum += RequestsAt(h, p, t.AddMinutes(m));
            }

            return sum;
        }

        async Task<long> LoadHistoryAsync(string cs, DateTimeOffset anchor, DateTimeOffset until)
        {
            var cutoff = new DateTimeOffset(new TrafficStoreOptions().MinuteCutoff(anchor), TimeSpan.Zero);
            await using (var connection = new NpgsqlConnection(cs))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS bench_anchor (at timestamptz NOT NULL); DELETE FROM bench_anchor; INSERT INTO bench_anchor VALUES (@at)", connection);
                command.Parameters.AddWithValue("at", anchor.UtcDateTime);
                await command.ExecuteNonQueryAsync();
            }

            long total = 0;
            await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
            {
                await using var connection = new NpgsqlConnection(cs);
                await connection.OpenAsync();
                var columns = string.Join(", ", Counters.Select(c => $"\"{c}\""));
                await using (var minutes = await connection.BeginBinaryImportAsync($"COPY \"UsageRollups\" (\"Minute\", \"Hostname\", \"PopId\", \"NodeId\", {columns}) FROM STDIN (FORMAT BINARY)"))
                {
                    await using var hours = await OpenSecondAsync(cs, $"COPY \"UsageHourly\" (\"Hour\", \"Hostname\", \"PopId\", \"NodeId\", {columns}) FROM STDIN (FORMAT BINARY)");
                    foreach (var (at, hour, h, p) in Slots(anchor, cutoff, anchor.AddDays(-days), until, w))
                    {
                        long r = Requests(at, hour, h, p);
                        var writer = hour ? hours.Writer : minutes;
                        await writer.StartRowAsync();
                        await writer.WriteAsync(at.UtcDateTime, NpgsqlDbType.TimestampTz);
                        await writer.WriteAsync(Name(h), NpgsqlDbType.Varchar);
                        await writer.WriteAsync(Pop(h, p), NpgsqlDbType.Varchar);
                        await writer.WriteAsync(NodeOf(h), NpgsqlDbType.Varchar);
                        foreach (var value in new[] { r, r * 10_000, r * 1_000, r, 0, 0, 0, r / 2, r - (r / 2) })
                        {
                            await writer.WriteAsync(value, NpgsqlDbType.Bigint);
                        }

                        Interlocked.Increment(ref total);
                    }

                    await hours.Writer.CompleteAsync();
                    await minutes.CompleteAsync();
                }
            })));

            // The per-POP totals the store writes beside each upload, built once for the history.
            await using (var connection = new NpgsqlConnection(cs))
            {
                await connection.OpenAsync();
                var sums = string.Join(", ", Counters.Select(c => $"SUM(\"{c}\")"));
                var columns = string.Join(", ", Counters.Select(c => $"\"{c}\""));
                foreach (var (target, source, time) in new[] { ("UsagePopMinutes", "UsageRollups", "Minute"), ("UsagePopHourly", "UsageHourly", "Hour") })
                {
                    await using var command = new NpgsqlCommand(
                        $"INSERT INTO \"{target}\" (\"{time}\", \"PopId\", \"NodeId\", {columns}) SELECT \"{time}\", \"PopId\", \"NodeId\", {sums} FROM \"{source}\" GROUP BY 1, 2, 3", connection);
                    await command.ExecuteNonQueryAsync();
                }

                await using var analyze = new NpgsqlCommand("ANALYZE", connection);
                await analyze.ExecuteNonQueryAsync();
            }

            return total;
        }

        async Task MeasureAsync()
        {
            DateTimeOffset anchor;
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT at FROM bench_anchor", connection);
                anchor = new DateTimeOffset(DateTime.SpecifyKind((DateTime)(await command.ExecuteScalarAsync())!, DateTimeKind.Utc));

                // The timed minutes may be there from an earlier measure run: remove them so each run ingests them anew.
                var since = anchor.AddMinutes(-ingestMinutes).UtcDateTime;
                await using var clear = new NpgsqlCommand("""
                    DELETE FROM "UsagePopMinutes" p USING (SELECT "Minute", "PopId", "NodeId", SUM("Requests") r FROM "UsageRollups" WHERE "Minute" >= @since GROUP BY 1, 2, 3) u
                      WHERE p."Minute" = u."Minute" AND p."PopId" = u."PopId" AND p."NodeId" = u."NodeId";
                    DELETE FROM "UsageRollups" WHERE "Minute" >= @since;
                    """, connection);
                clear.Parameters.AddWithValue("since", since);
                await clear.ExecuteNonQueryAsync();
                await using var vacuum = new NpgsqlCommand("VACUUM ANALYZE", connection);
                await vacuum.ExecuteNonQueryAsync();
            }

            var clock = new FakeTimeProvider(anchor);
            var store = new RelationalTrafficStore(provider.GetRequiredService<IServiceScopeFactory>(), Options.Create(new TrafficStoreOptions()), clock, NullLogger<RelationalTrafficStore>.Instance);
            var cutoff = new DateTimeOffset(new TrafficStoreOptions().MinuteCutoff(anchor), TimeSpan.Zero);

            long rows = 0;
            var ingest = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
            {
                // Minute by minute as nodes upload: every hostname this node serves, for one minute, in batches.
                for (var minute = anchor.AddMinutes(-ingestMinutes); minute < anchor; minute = minute.AddMinutes(1))
                {
                    var at = minute;
                    var slots = Slots(anchor, cutoff, at, at.AddMinutes(1), w)
                        .Select(s => { long r = RequestsAt(s.H, s.P, s.At); return new UsageRollup(s.At, Name(s.H), Pop(s.H, s.P), NodeOf(s.H), r, r * 10_000, r * 1_000, r, 0, 0, 0, r / 2, r - (r / 2)); });
                    foreach (var batch in slots.Chunk(RowsPerBatch))
                    {
                        await using var scope = provider.CreateAsyncScope();
                        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
                        await using var tx = await db.Database.BeginTransactionAsync();
                        await store.AddUsageAsync(db, NodeOf(w), batch, default);
                        await tx.CommitAsync();
                        Interlocked.Add(ref rows, batch.Length);
                    }
                }
            })));
            ingest.Stop();

            // One hostname, 24 hours at minute resolution; the answer must hold every request generated for it.
            var random = new Random(7);
            var single = new List<double>();
            for (int i = 0; i < queries; i++)
            {
                int h = random.Next(hostnames);
                var started = Stopwatch.GetTimestamp();
                var series = await store.UsageAsync(new TrafficQuery([Name(h)], anchor.AddHours(-24), anchor, TimeSpan.FromMinutes(1)));
                single.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                long expected = 0;
                for (int p = 0; p < popsPerHostname; p++)
                {
                    for (var t = series.From; t < anchor; t = t.AddMinutes(1))
                    {
                        expected += RequestsAt(h, p, t);
                    }
                }

                Assert.Equal(expected, series.Points.Sum(x => x.Requests));
            }

            // Network-wide: every hostname's requests over the same 24 hours, per POP at 5-minute resolution.
            var network = new List<double>();
            long networkExpected = -1;
            for (int i = 0; i < Math.Max(5, queries / 5); i++)
            {
                var started = Stopwatch.GetTimestamp();
                var series = await store.UsageAsync(new TrafficQuery(null, anchor.AddHours(-24), anchor, TimeSpan.FromMinutes(5)));
                network.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (networkExpected < 0)
                {
                    networkExpected = 0;
                    for (int h = 0; h < hostnames; h++)
                    {
                        for (int p = 0; p < popsPerHostname; p++)
                        {
                            for (var t = series.From; t < anchor; t = t.AddMinutes(1))
                            {
                                networkExpected += RequestsAt(h, p, t);
                            }
                        }
                    }
                }

                Assert.Equal(networkExpected, series.Points.Sum(x => x.Requests));
                var popsUsed = Enumerable.Range(0, hostnames).SelectMany(h => Enumerable.Range(0, popsPerHostname).Select(p => Pop(h, p))).Distinct().Count();
                Assert.Equal(popsUsed, series.Points.Select(x => x.Key).Distinct().Count());
            }

            long stored;
            await using (var connection = new NpgsqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var count = new NpgsqlCommand("""SELECT (SELECT COUNT(*) FROM "UsageRollups") + (SELECT COUNT(*) FROM "UsageHourly")""", connection);
                stored = (long)(await count.ExecuteScalarAsync())!;
            }

            report.AppendLine(CultureInfo.InvariantCulture, $"analytics bench {DateTimeOffset.UtcNow:u} on PostgreSQL: {hostnames} hostnames x {popsPerHostname} of {pops} POPs, {days} days ({stored} usage rows stored: minute rows for 48 h, hourly before), {workers} writers (one cache node each), {RowsPerBatch} rows per upload transaction");
            report.AppendLine(CultureInfo.InvariantCulture, $"ingest (upload path: bulk upsert incl. per-POP totals) of the newest {ingestMinutes} minutes: {rows} rows in {ingest.Elapsed.TotalSeconds:0.0} s = {rows / ingest.Elapsed.TotalSeconds:0} rows/s (target >= 50000)");
            report.AppendLine(CultureInfo.InvariantCulture, $"24 h one hostname, minute resolution: p50 {Percentile(single, 50):0.0} ms, p95 {Percentile(single, 95):0.0} ms over {single.Count} queries, answers checked (target p95 < 50 ms)");
            report.AppendLine(CultureInfo.InvariantCulture, $"24 h network-wide, 5 min resolution: p50 {Percentile(network, 50):0.0} ms, p95 {Percentile(network, 95):0.0} ms over {network.Count} queries, answers checked (target p95 < 500 ms)");
        }
    }

    private static async Task<(NpgsqlConnection Connection, NpgsqlBinaryImporter Writer)> OpenImportAsync(string cs, string copy)
    {
        var connection = new NpgsqlConnection(cs);
        await connection.OpenAsync();
        return (connection, await connection.BeginBinaryImportAsync(copy));
    }

    private static async Task<SecondImport> OpenSecondAsync(string cs, string copy)
    {
        var (connection, writer) = await OpenImportAsync(cs, copy);
        return new SecondImport(connection, writer);
    }

    /// <summary>A second COPY on its own connection (one connection carries one COPY at a time).</summary>
    private sealed class SecondImport(NpgsqlConnection connection, NpgsqlBinaryImporter writer) : IAsyncDisposable
    {
        public NpgsqlBinaryImporter Writer => writer;

        public async ValueTask DisposeAsync()
        {
            await writer.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
