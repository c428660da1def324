using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Speedera.Core.Cache;
using Speedera.Tests.Integration.Portal;
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
/// bench/analytics: fills the analytics store on PostgreSQL with 30 days of usage as it keeps them (minute rows for the
/// last 48 hours, hourly rows before), through the same bulk upsert the upload endpoint uses, then times the 24-hour
/// query of one hostname at minute resolution and the network-wide 24-hour query. Every timed answer is checked
/// against the totals generated for it.
/// </summary>
public sealed class AnalyticsBench(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly PostgresPortalFactory factory = new();

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    public Task InitializeAsync() => factory.InitializeAsync();

    public async Task DisposeAsync() => await ((IAsyncLifetime)factory).DisposeAsync();

    [AnalyticsBenchFact]
    public async Task Ingest_rate_and_query_latency()
    {
        int hostnames = Setting("BENCH_HOSTNAMES", 10_000);
        int pops = Setting("BENCH_POPS", 50);
        int popsPerHostname = Math.Min(pops, Setting("BENCH_POPS_PER_HOSTNAME", 3));
        int days = Setting("BENCH_DAYS", 30);
        int queries = Setting("BENCH_QUERIES", 50);
        int workers = Setting("BENCH_WORKERS", 4);
        const int RowsPerBatch = 5_000;

        _ = factory.Services; // starts the portal: migrations run
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new RelationalTrafficStore(factory.Services.GetRequiredService<IServiceScopeFactory>(), Options.Create(new TrafficStoreOptions()), clock, NullLogger<RelationalTrafficStore>.Instance);
        var now = clock.GetUtcNow();
        var nowMinute = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var cutoff = new TrafficStoreOptions().MinuteCutoff(now);

        // One row per (interval, hostname, POP): minutes inside the minute window, hours before it (what the store keeps).
        IEnumerable<UsageRollup> Rows(int worker)
        {
            for (int h = worker; h < hostnames; h += workers)
            {
                var name = $"h{h:D5}.bench.example";
                for (int p = 0; p < popsPerHostname; p++)
                {
                    var pop = $"p{(h + p * 7) % pops:D2}";
                    for (var t = nowMinute.AddDays(-days); t < nowMinute; t = t < cutoff ? t.AddHours(1) : t.AddMinutes(1))
                    {
                        long requests = 1 + ((h + p + t.Minute) % 20);
                        yield return new UsageRollup(t, name, pop, NodeOf(worker), requests, requests * 10_000, requests * 1_000, requests, 0, 0, 0, requests / 2, requests - (requests / 2));
                    }
                }
            }
        }

        // Each writer plays one cache node uploading its own rollups, as nodes do.
        static string NodeOf(int worker) => $"bench-node-{worker}";

        long rows = 0;
        var ingest = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            foreach (var batch in Rows(w).Chunk(RowsPerBatch))
            {
                await using var scope = factory.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
                await using var tx = await db.Database.BeginTransactionAsync();
                await store.AddUsageAsync(db, NodeOf(w), batch, default);
                await tx.CommitAsync();
                Interlocked.Add(ref rows, batch.Length);
            }
        })));
        ingest.Stop();

        // One hostname, 24 hours at minute resolution; the answer must hold every request generated for it.
        var random = new Random(7);
        var single = new List<double>();
        for (int i = 0; i < queries; i++)
        {
            int h = random.Next(hostnames);
            var name = $"h{h:D5}.bench.example";
            var started = Stopwatch.GetTimestamp();
            var series = await store.UsageAsync(new TrafficQuery([name], now.AddHours(-24), now, TimeSpan.FromMinutes(1)));
            single.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            long expected = 0;
            for (int p = 0; p < popsPerHostname; p++)
            {
                for (var t = series.From; t < nowMinute; t = t.AddMinutes(1))
                {
                    expected += 1 + ((h + p + t.Minute) % 20);
                }
            }

            Assert.Equal(expected, series.Points.Sum(x => x.Requests));
        }

        var network = new List<double>();
        long networkExpected = -1;
        for (int i = 0; i < Math.Max(3, queries / 10); i++)
        {
            var started = Stopwatch.GetTimestamp();
            var series = await store.UsageAsync(new TrafficQuery(null, now.AddHours(-24), now, TimeSpan.FromMinutes(5)));
            network.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            long total = series.Points.Sum(x => x.Requests);
            Assert.True(total > 0);
            Assert.True(networkExpected < 0 || networkExpected == total, "the network-wide answer changed between runs");
            networkExpected = total;
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"analytics bench {DateTimeOffset.UtcNow:u} on PostgreSQL: {hostnames} hostnames x {popsPerHostname} of {pops} POPs, {days} days (minute rows for 48 h, hourly before), {workers} writers, {RowsPerBatch} rows per upload transaction");
        report.AppendLine(CultureInfo.InvariantCulture, $"ingest: {rows} rows in {ingest.Elapsed.TotalSeconds:0.0} s = {rows / ingest.Elapsed.TotalSeconds:0} rows/s (target >= 50000)");
        report.AppendLine(CultureInfo.InvariantCulture, $"24 h one hostname, minute resolution: p50 {Percentile(single, 50):0.0} ms, p95 {Percentile(single, 95):0.0} ms over {single.Count} queries (target p95 < 50 ms)");
        report.AppendLine(CultureInfo.InvariantCulture, $"24 h network-wide, 5 min resolution: p50 {Percentile(network, 50):0.0} ms, p95 {Percentile(network, 95):0.0} ms over {network.Count} queries (target p95 < 500 ms)");
        output.WriteLine(report.ToString());
        if (Environment.GetEnvironmentVariable("SPEEDERA_ANALYTICS_OUT") is { Length: > 0 } path)
        {
            await File.AppendAllTextAsync(path, report.ToString());
        }
    }

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
