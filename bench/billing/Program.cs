// Rates and issues invoices for ORGS organizations with MINUTES per-minute rollups each (4 POPs, the month's last
// MINUTES minutes) on PostgreSQL, through the portal's own services (BillingRating, InvoiceIssuer: rating, numbering,
// PDF rendering, outbox mail), and checks its answers: billed bytes = rollup bytes, gap-free numbers.
// The rollups are stored as traffic maintenance leaves them when the scheduler rates the month (6 h into the next):
// minutes older than 48 h summed into UsageHourly, the rest as minute rows ("minutes" as 4th argument keeps all as minutes).
// Usage: BillingBench <postgres connection string to a server> <orgs> <minutes per org> [downsampled|minutes]
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Speedera.Core.Billing;
using Speedera.Web.Data;
using Speedera.Web.Features.Billing;
using Speedera.Web.Features.Reports;
using Speedera.Web.Hosting;

var server = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("SPEEDERA_BENCH_POSTGRES") ?? throw new ArgumentException("connection string needed");
var organizations = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
var minutes = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 43_200;
var downsampled = args.Length <= 3 || args[3] != "minutes";
var database = "speedera_bench_" + Guid.NewGuid().ToString("N")[..8];
var connection = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
await Sql(server, $"CREATE DATABASE \"{database}\"");
var data = Directory.CreateTempSubdirectory("speedera-billing-bench").FullName;
try
{
    var builder = WebApplication.CreateBuilder([
        "--environment=Production",
        "--Database:Provider=Postgres", $"--Database:ConnectionString={connection}",
        $"--Speedera:DataDirectory={data}", "--Speedera:Admin:Email=admin@bench.test", "--Speedera:Admin:Password=Bench-Passw0rd!x",
        "--Speedera:Billing:SchedulerEnabled=false", "--Logging:LogLevel:Default=Warning"]);
    builder.AddSpeederaPortal();
    var app = builder.Build();
    await app.InitializeSpeederaAsync();
    var services = app.Services;
    await services.GetRequiredService<BillingAdmin>().EnsureDefaultPlanAsync();

    var period = BillingPeriods.MonthStart(DateTime.UtcNow).AddMonths(-1);
    // At most the whole month (February has 40,320 minutes).
    minutes = Math.Min(minutes, (int)(period.AddMonths(1) - period).TotalMinutes);
    var seed = Stopwatch.StartNew();
    var (expectedBytes, rows, hourlyRows) = await SeedAsync(connection, organizations, minutes, period, downsampled);
    Console.WriteLine($"seeded {organizations:N0} organizations, {(long)organizations * minutes:N0} minute rollups stored as {rows:N0} minute rows + {hourlyRows:N0} hourly rows in {seed.Elapsed.TotalSeconds:F1} s (not timed below)");

    var total = Stopwatch.StartNew();
    var rate = Stopwatch.StartNew();
    var rated = await services.GetRequiredService<BillingRating>().RateAsync(period);
    rate.Stop();
    Console.WriteLine($"rating: {rated.Summary} in {rate.Elapsed.TotalSeconds:F2} s");

    var issue = Stopwatch.StartNew();
    List<Guid> drafts;
    using (var scope = services.CreateScope())
    {
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        drafts = await db.Invoices.Where(i => i.PeriodStart == period && i.Status == InvoiceStatus.Draft).OrderBy(i => i.CreatedAt).Select(i => i.Id).ToListAsync();
    }

    var issuer = services.GetRequiredService<InvoiceIssuer>();
    var issued = 0;
    foreach (var chunk in drafts.Chunk(100))
    {
        issued += (await issuer.IssueManyAsync(chunk, "bench")).Count(o => o.Succeeded);
    }

    issue.Stop();
    total.Stop();
    Console.WriteLine($"issuing: {issued:N0} invoices numbered, PDF rendered and stored, mail queued in {issue.Elapsed.TotalSeconds:F2} s = {issued / issue.Elapsed.TotalSeconds:F0} PDFs/s");

    // Check the answers.
    using (var scope = services.CreateScope())
    {
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var billedBytes = await db.InvoiceLines.Where(l => l.Kind == LineKind.Delivery).SumAsync(l => l.RawQuantity);
        var numbers = await db.Invoices.Where(i => i.SequenceNumber != null).Select(i => i.SequenceNumber!.Value).OrderBy(n => n).ToListAsync();
        var gapFree = numbers.Select((n, i) => n == i + 1).All(ok => ok);
        var pdfs = await db.InvoiceDocuments.CountAsync();
        var mails = await db.EmailMessages.CountAsync();
        Console.WriteLine($"check: billed bytes {billedBytes:N0} {(billedBytes == expectedBytes ? "==" : "!=")} rollup bytes {expectedBytes:N0}; numbers 1..{numbers.Count} gap-free: {gapFree}; {pdfs:N0} PDFs stored; {mails:N0} mails queued");
        if (billedBytes != expectedBytes || !gapFree || rated.Created != organizations || issued != organizations || pdfs != organizations)
        {
            Console.WriteLine("FAILED: the answers do not check out");
            Environment.ExitCode = 1;
        }
    }

    Console.WriteLine($"total rate + issue: {total.Elapsed.TotalSeconds:F2} s for {organizations:N0} organizations; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024):N0} MiB");
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await Sql(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    Directory.Delete(data, recursive: true);
}

static async Task Sql(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

// Organizations with one CDN hostname each (through EF), rollups through binary COPY (the fast path, as a bulk upload would be):
// minute rows, or hourly sums for hours maintenance would already have moved when the month is rated.
static async Task<(long Bytes, long Rows, long HourlyRows)> SeedAsync(string connectionString, int organizations, int minutes, DateTime period, bool downsampled)
{
    var random = new Random(42);
    var hostnames = new List<string>(organizations);
    // Organizations and hostnames through EF (their defaults), in chunks; rollups through COPY below.
    var options = new DbContextOptionsBuilder<SpeederaDbContext>().UseNpgsql(connectionString).Options;
    foreach (var chunk in Enumerable.Range(0, organizations).Chunk(1000))
    {
        await using var db = new SpeederaDbContext(options);
        foreach (var i in chunk)
        {
            var id = Guid.NewGuid();
            var name = $"{id:N}.bench.speedera.net";
            db.Organizations.Add(new Organization { Id = id, Name = $"Bench {i:D5}", CreatedAt = period.AddYears(-1) });
            db.Hostnames.Add(new HostnameEntity
            {
                Id = Guid.NewGuid(), OrganizationId = id, Name = name, Kind = HostnameKind.ServiceZone,
                Services = Speedera.Core.Configuration.HostnameServices.Cdn, Verification = VerificationState.Active,
            });
            hostnames.Add(name);
        }

        await db.SaveChangesAsync();
    }

    var periodEnd = period.AddMonths(1);
    var first = periodEnd.AddMinutes(-minutes);
    // The scheduler rates 6 h into the next month; maintenance has then moved every hour older than 48 h.
    var cutoff = downsampled ? new TrafficStoreOptions().MinuteCutoff(new DateTimeOffset(periodEnd.AddHours(6), TimeSpan.Zero)) : DateTime.MinValue;
    await using var minuteConnection = new NpgsqlConnection(connectionString);
    await using var hourConnection = new NpgsqlConnection(connectionString);
    await minuteConnection.OpenAsync();
    await hourConnection.OpenAsync();
    string[] pops = ["sjc", "fra", "nrt", "gru"];
    long bytes = 0, rows = 0, hourlyRows = 0;
    const string Columns = "\"Hostname\", \"PopId\", \"NodeId\", \"Requests\", \"BytesToClients\", \"BytesFromOrigin\", \"Status2xx\", \"Status3xx\", \"Status4xx\", \"Status5xx\", \"Hits\", \"Misses\"";
    await using (var usage = await minuteConnection.BeginBinaryImportAsync($"COPY \"UsageRollups\" (\"Minute\", {Columns}) FROM STDIN (FORMAT BINARY)"))
    await using (var hourly = await hourConnection.BeginBinaryImportAsync($"COPY \"UsageHourly\" (\"Hour\", {Columns}) FROM STDIN (FORMAT BINARY)"))
    {
        var hourBytes = new long[pops.Length];
        var hourRequests = new long[pops.Length];
        foreach (var name in hostnames)
        {
            DateTime? hour = null;
            for (var m = 0; m < minutes; m++)
            {
                var minute = first.AddMinutes(m);
                var b = random.NextInt64(1, 50_000_000);
                var r = random.NextInt64(1, 2_000);
                var pop = m % pops.Length;
                bytes += b;
                if (minute < cutoff)
                {
                    var at = new DateTime(minute.Ticks - (minute.Ticks % TimeSpan.TicksPerHour), DateTimeKind.Utc);
                    if (hour != at)
                    {
                        hourlyRows += await FlushHourAsync(hourly, hour, name, pops, hourBytes, hourRequests);
                        hour = at;
                    }

                    hourBytes[pop] += b;
                    hourRequests[pop] += r;
                    continue;
                }

                await WriteRowAsync(usage, minute, name, pops[pop], r, b);
                rows++;
            }

            hourlyRows += await FlushHourAsync(hourly, hour, name, pops, hourBytes, hourRequests);
        }

        await usage.CompleteAsync();
        await hourly.CompleteAsync();
    }

    await using var analyze = new NpgsqlCommand("ANALYZE", minuteConnection);
    await analyze.ExecuteNonQueryAsync();
    return (bytes, rows, hourlyRows);
}

static async Task<long> FlushHourAsync(NpgsqlBinaryImporter hourly, DateTime? hour, string name, string[] pops, long[] hourBytes, long[] hourRequests)
{
    long written = 0;
    for (var p = 0; hour is not null && p < pops.Length; p++)
    {
        if (hourBytes[p] != 0 || hourRequests[p] != 0)
        {
            await WriteRowAsync(hourly, hour.Value, name, pops[p], hourRequests[p], hourBytes[p]);
            written++;
        }
    }

    Array.Clear(hourBytes);
    Array.Clear(hourRequests);
    return written;
}

static async Task WriteRowAsync(NpgsqlBinaryImporter import, DateTime at, string name, string pop, long requests, long bytes)
{
    await import.StartRowAsync();
    await import.WriteAsync(at, NpgsqlDbType.TimestampTz);
    await import.WriteAsync(name, NpgsqlDbType.Varchar);
    await import.WriteAsync(pop, NpgsqlDbType.Varchar);
    await import.WriteAsync("edge-1", NpgsqlDbType.Varchar);
    await import.WriteAsync(requests, NpgsqlDbType.Bigint);
    await import.WriteAsync(bytes, NpgsqlDbType.Bigint);
    await import.WriteAsync(bytes / 10, NpgsqlDbType.Bigint);
    await import.WriteAsync(requests, NpgsqlDbType.Bigint);
    await import.WriteAsync(0L, NpgsqlDbType.Bigint);
    await import.WriteAsync(0L, NpgsqlDbType.Bigint);
    await import.WriteAsync(0L, NpgsqlDbType.Bigint);
    await import.WriteAsync(requests, NpgsqlDbType.Bigint);
    await import.WriteAsync(0L, NpgsqlDbType.Bigint);
}
