// Rates and issues invoices for ORGS organizations with MINUTES per-minute rollups each (4 POPs) on
// PostgreSQL, through the portal's own services (BillingRating, InvoiceIssuer: rating, numbering,
// PDF rendering, outbox mail), and checks its answers: billed bytes = rollup bytes, gap-free numbers.
// Usage: BillingBench <postgres connection string to a server> <orgs> <minutes per org>
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Speedera.Core.Billing;
using Speedera.Web.Data;
using Speedera.Web.Features.Billing;
using Speedera.Web.Hosting;

var server = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("SPEEDERA_BENCH_POSTGRES") ?? throw new ArgumentException("connection string needed");
var organizations = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
var minutes = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 43_200;
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
    var seed = Stopwatch.StartNew();
    var (expectedBytes, rows) = await SeedAsync(connection, organizations, minutes, period);
    Console.WriteLine($"seeded {organizations:N0} organizations, {rows:N0} minute rollups in {seed.Elapsed.TotalSeconds:F1} s (not timed below)");

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

// Organizations with one CDN hostname each (through EF), rollups through binary COPY (the fast path, as a bulk upload would be).
static async Task<(long Bytes, long Rows)> SeedAsync(string connectionString, int organizations, int minutes, DateTime period)
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

    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    string[] pops = ["sjc", "fra", "nrt", "gru"];
    long bytes = 0, rows = 0;
    await using (var usage = await connection.BeginBinaryImportAsync("COPY \"UsageRollups\" (\"Minute\", \"Hostname\", \"PopId\", \"NodeId\", \"Requests\", \"BytesToClients\", \"BytesFromOrigin\", \"Status2xx\", \"Status3xx\", \"Status4xx\", \"Status5xx\", \"Hits\", \"Misses\") FROM STDIN (FORMAT BINARY)"))
    {
        foreach (var name in hostnames)
        {
            for (var m = 0; m < minutes; m++)
            {
                var b = random.NextInt64(1, 50_000_000);
                var r = random.NextInt64(1, 2_000);
                await usage.StartRowAsync();
                await usage.WriteAsync(period.AddMinutes(m), NpgsqlDbType.TimestampTz);
                await usage.WriteAsync(name, NpgsqlDbType.Varchar);
                await usage.WriteAsync(pops[m % pops.Length], NpgsqlDbType.Varchar);
                await usage.WriteAsync("edge-1", NpgsqlDbType.Varchar);
                await usage.WriteAsync(r, NpgsqlDbType.Bigint);
                await usage.WriteAsync(b, NpgsqlDbType.Bigint);
                await usage.WriteAsync(b / 10, NpgsqlDbType.Bigint);
                await usage.WriteAsync(r, NpgsqlDbType.Bigint);
                await usage.WriteAsync(0L, NpgsqlDbType.Bigint);
                await usage.WriteAsync(0L, NpgsqlDbType.Bigint);
                await usage.WriteAsync(0L, NpgsqlDbType.Bigint);
                await usage.WriteAsync(r, NpgsqlDbType.Bigint);
                await usage.WriteAsync(0L, NpgsqlDbType.Bigint);
                bytes += b;
                rows++;
            }
        }

        await usage.CompleteAsync();
    }

    await using var analyze = new NpgsqlCommand("ANALYZE", connection);
    await analyze.ExecuteNonQueryAsync();
    return (bytes, rows);
}
