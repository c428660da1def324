using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Speedera.Core.Billing;
using Speedera.Core.Cache;
using Speedera.Core.Configuration;
using Speedera.Core.Gtm;
using Speedera.Tests.Integration.Portal;
using Speedera.Web.Data;
using Speedera.Web.Features.Billing;
using Speedera.Web.Features.Reports;

namespace Speedera.Tests.Integration.Billing;

/// <summary>
/// Billing over usage that traffic maintenance has partly moved from minute rows into hourly rows (after 48 h), with
/// late uploads that went straight to the hourly table. Periods lie in the future so the portal's own maintenance
/// (real clock) never touches them; the tests drive maintenance with their own clock.
/// </summary>
public abstract class DownsampledUsageBillingTests<TFactory>(TFactory factory) : IClassFixture<TFactory>
    where TFactory : PortalFactory
{
    private static readonly Dictionary<string, BillingRegion> PopRegions = new(StringComparer.Ordinal)
    {
        ["sjc"] = BillingRegion.NorthAmerica, ["iad"] = BillingRegion.NorthAmerica, ["gru"] = BillingRegion.SouthAmerica,
        ["lhr"] = BillingRegion.Europe, ["fra"] = BillingRegion.Europe, ["nrt"] = BillingRegion.AsiaPacific, ["syd"] = BillingRegion.AsiaPacific,
    };

    private static readonly string[] Pops = [.. PopRegions.Keys];

    [Fact]
    public async Task Rating_a_month_partly_downsampled_bills_minute_and_hourly_rows_exactly_once_for_random_usage()
    {
        await factory.Service<BillingAdmin>().EnsureDefaultPlanAsync();
        var random = new Random(20261129 + factory.ProviderName.Length);
        for (var run = 0; run < 6; run++)
        {
            var period = new DateTime(2031, 1 + run, 1, 0, 0, 0, DateTimeKind.Utc);
            // Maintenance some days into the month moves every hour older than 48 h to the hourly table; a node's
            // spool replayed hours later sends late rows straight to the hourly table, also for hours whose minute
            // rows maintenance has not moved yet (between the two cutoffs).
            var options = new TrafficStoreOptions();
            var maintainedAt = period.AddDays(random.Next(3, 27)).AddMinutes(random.Next(0, 24 * 60));
            var replayedAt = maintainedAt.AddHours(random.Next(2, 30));
            var oldCutoff = options.MinuteCutoff(maintainedAt);
            var newCutoff = options.MinuteCutoff(replayedAt);
            var between = oldCutoff.AddMinutes(random.Next(0, (int)(newCutoff - oldCutoff).TotalMinutes));

            var month = Usage.Random(random, period, rows: random.Next(150, 400));
            month.Add(new UsageRollup(between, "", "nrt", "edge-8", 3, 987_654_321, 0, 3, 0, 0, 0, 3, 0), new DecisionCountRow(between, "", "127.0.0.11", "nrt", 31));
            var (org, hostname) = await OrganizationAsync(period, $"run {run}");
            var expected = new Usage();
            await UploadLiveAsync(hostname, month, period, expected);

            var maintenance = await Store(new FakeTimeProvider(maintainedAt)).MaintainAsync(maintainedAt);
            Assert.True(maintenance.HoursDownsampled > 0);

            var late = Usage.Random(random, period, rows: random.Next(5, 40), before: newCutoff);
            late.Add(new UsageRollup(between.AddMinutes(-between.Minute), "", "fra", "edge-9", 7, 123_456_789, 0, 7, 0, 0, 0, 7, 0),
                new DecisionCountRow(between.AddMinutes(-between.Minute), "", "127.0.0.11", "sjc", 17));
            await UploadAsync(hostname, late, replayedAt, expected);

            // Outside the period, in both tables: never billed.
            var outside = new Usage();
            outside.Add(new UsageRollup(period.AddHours(-1), "", "sjc", "edge-0", 5, 555_000_000_000, 0, 5, 0, 0, 0, 5, 0), new DecisionCountRow(period.AddHours(-1), "", "127.0.0.11", "sjc", 999));
            await UploadAsync(hostname, outside, replayedAt, new Usage());
            var next = new Usage();
            next.Add(new UsageRollup(period.AddMonths(1), "", "sjc", "edge-0", 5, 777_000_000_000, 0, 5, 0, 0, 0, 5, 0), new DecisionCountRow(period.AddMonths(1), "", "127.0.0.11", "sjc", 999));
            await UploadAsync(hostname, next, period.AddMonths(1), new Usage());

            // The set-up really is split: hourly rows, minute rows, and at least one hour with rows in both tables.
            var end = period.AddMonths(1);
            var hourly = await factory.WithDbAsync(db => db.UsageHourly.Where(u => u.Hostname == hostname && u.Hour >= period && u.Hour < end).Select(u => u.Hour).Distinct().ToListAsync());
            var minutes = await factory.WithDbAsync(db => db.UsageRollups.Where(u => u.Hostname == hostname && u.Minute >= period && u.Minute < end).Select(u => u.Minute).ToListAsync());
            Assert.NotEmpty(hourly);
            Assert.NotEmpty(minutes);
            Assert.Contains(hourly, h => minutes.Any(m => m >= h && m < h.AddHours(1)));

            var result = await factory.Service<BillingRating>().RateAsync(period, org);

            Assert.Equal(1, result.Created);
            var lines = await factory.WithDbAsync(db => db.InvoiceLines.Where(l => db.Invoices.Any(i => i.Id == l.InvoiceId && i.OrganizationId == org)).ToListAsync());
            foreach (var region in Enum.GetValues<BillingRegion>())
            {
                Assert.Equal(expected.Totals.BytesIn(region), lines.Where(l => l.Kind == LineKind.Delivery && l.Region == region).Sum(l => l.RawQuantity));
            }

            Assert.Equal(expected.Totals.TotalRequests, lines.Where(l => l.Kind == LineKind.Requests).Sum(l => l.RawQuantity));
            Assert.Equal(expected.Totals.DnsAnswers, lines.Where(l => l.Kind == LineKind.DnsAnswers).Sum(l => l.RawQuantity));
        }
    }

    [Fact]
    public async Task Usage_read_while_maintenance_moves_hours_is_never_missed_nor_counted_twice()
    {
        var period = new DateTime(2032, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        var random = new Random(7);
        var (org, hostname) = await OrganizationAsync(period, "race");
        var expected = new Usage();
        // Several rows in every hour, so each maintenance step moves something.
        var month = new Usage();
        for (var minute = 0; minute < 31 * 24 * 60; minute += 17)
        {
            month.Add(new UsageRollup(period.AddMinutes(minute), "", Pops[random.Next(Pops.Length)], "edge-1", random.NextInt64(1, 1000), random.NextInt64(1, 90_000_000), 0, 1, 0, 0, 0, 1, 0),
                new DecisionCountRow(period.AddMinutes(minute), "", "127.0.0.11", "sjc", random.NextInt64(1, 500)));
        }

        await UploadLiveAsync(hostname, month, period, expected);

        var maintaining = true;
        var maintainer = Task.Run(async () =>
        {
            try
            {
                for (var now = period.AddHours(49); now <= period.AddMonths(1).AddHours(49); now = now.AddHours(6))
                {
                    await Store(new FakeTimeProvider(now)).MaintainAsync(now);
                }
            }
            finally
            {
                maintaining = false;
            }
        });

        var reads = 0;
        do
        {
            var usage = await factory.WithDbAsync(db => BillingRating.UsageAsync(db, period, period.AddMonths(1), org, CancellationToken.None));
            var totals = usage.GetValueOrDefault(org) ?? new UsageTotals();
            Assert.Equal(expected.Totals.TotalBytes, totals.TotalBytes);
            Assert.Equal(expected.Totals.TotalRequests, totals.TotalRequests);
            Assert.Equal(expected.Totals.DnsAnswers, totals.DnsAnswers);
            reads++;
        }
        while (maintaining);

        await maintainer;
        Assert.True(reads >= 3, $"only {reads} reads overlapped maintenance");
        var left = await factory.WithDbAsync(db => db.UsageRollups.CountAsync(u => u.Hostname == hostname));
        Assert.Equal(0, left);
    }

    [Fact]
    public async Task Usage_so_far_this_month_counts_hours_already_downsampled()
    {
        await factory.Service<BillingAdmin>().EnsureDefaultPlanAsync();
        var period = new DateTime(2033, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var now = period.AddDays(20).AddHours(5).AddMinutes(13);
        var random = new Random(99);
        var (org, hostname) = await OrganizationAsync(period, "so far");
        var expected = new Usage();
        await UploadLiveAsync(hostname, Usage.Random(random, period, rows: 300, before: now), period, expected);
        var maintenance = await Store(new FakeTimeProvider(now)).MaintainAsync(now);
        Assert.True(maintenance.HoursDownsampled > 0);

        var clock = new FakeTimeProvider(now);
        var rating = new BillingRating(factory.Services.GetRequiredService<IServiceScopeFactory>(), factory.Services.GetRequiredService<IOptions<BillingOptions>>(),
            clock, NullLogger<BillingRating>.Instance);
        var soFar = await rating.UsageSoFarAsync(org);

        Assert.NotNull(soFar);
        Assert.Equal(expected.Totals.TotalBytes, soFar.Usage.TotalBytes);
        Assert.Equal(expected.Totals.TotalRequests, soFar.Usage.TotalRequests);
        Assert.Equal(expected.Totals.DnsAnswers, soFar.Usage.DnsAnswers);
        Assert.Equal(expected.Totals.TotalBytes, soFar.SoFar.Where(l => l.Kind == LineKind.Delivery).Sum(l => l.RawQuantity));
        // 31 days projected from 20 days, 5 hours and 13 minutes: about one and a half times as much.
        var projectedBytes = soFar.Projected.Where(l => l.Kind == LineKind.Delivery).Sum(l => l.RawQuantity);
        Assert.InRange(projectedBytes, expected.Totals.TotalBytes * 3 / 2, expected.Totals.TotalBytes * 16 / 10);
    }

    private RelationalTrafficStore Store(TimeProvider clock) =>
        new(factory.Services.GetRequiredService<IServiceScopeFactory>(), Options.Create(new TrafficStoreOptions()), clock, NullLogger<RelationalTrafficStore>.Instance);

    private async Task<(Guid Org, string Hostname)> OrganizationAsync(DateTime period, string label)
    {
        var org = Guid.NewGuid();
        var hostname = $"ds{Guid.NewGuid():N}"[..16] + ".speedera.net";
        await factory.WithDbAsync(async db =>
        {
            db.Organizations.Add(new Organization { Id = org, Name = $"Downsampled {label} {org.ToString()[..6]}", CreatedAt = period.AddYears(-1) });
            db.Hostnames.Add(new HostnameEntity
            {
                Id = Guid.NewGuid(), OrganizationId = org, Name = hostname, Kind = HostnameKind.ServiceZone, Services = HostnameServices.Cdn | HostnameServices.Gtm,
                Verification = VerificationState.Active,
            });
            return await db.SaveChangesAsync();
        });
        return (org, hostname);
    }

    /// <summary>Uploads as they arrive on time: the clock at the period's start keeps every row of the month in the minute table.</summary>
    private Task UploadLiveAsync(string hostname, Usage usage, DateTime period, Usage expected) => UploadAsync(hostname, usage, period, expected);

    private async Task UploadAsync(string hostname, Usage usage, DateTime receivedAt, Usage expected)
    {
        var store = Store(new FakeTimeProvider(receivedAt));
        var rollups = usage.Rollups.Select(r => r with { Hostname = hostname }).ToList();
        var decisions = usage.Decisions.Select(d => d with { Hostname = hostname }).ToList();
        await factory.WithDbAsync(async db =>
        {
            await store.AddUsageAsync(db, "edge-upload", rollups, CancellationToken.None);
            await store.AddDecisionsAsync(db, "dns-upload", decisions, CancellationToken.None);
            return 0;
        });
        foreach (var r in rollups)
        {
            expected.Totals.AddDelivery(PopRegions[r.PopId], r.BytesToClients, r.Requests);
        }

        foreach (var d in decisions)
        {
            expected.Totals.AddDnsAnswers(d.Count);
        }
    }

    private sealed class Usage
    {
        public List<UsageRollup> Rollups { get; } = [];

        public List<DecisionCountRow> Decisions { get; } = [];

        public UsageTotals Totals { get; } = new();

        public void Add(UsageRollup rollup, DecisionCountRow decision)
        {
            Rollups.Add(rollup);
            Decisions.Add(decision);
        }

        public static Usage Random(Random random, DateTime period, int rows, DateTime? before = null)
        {
            var end = before ?? period.AddMonths(1);
            var span = (int)(end - period).TotalMinutes;
            var usage = new Usage();
            for (var i = 0; i < rows; i++)
            {
                var minute = period.AddMinutes(random.Next(0, span));
                var requests = random.NextInt64(1, 40_000);
                usage.Add(
                    new UsageRollup(minute, "", Pops[random.Next(Pops.Length)], "edge-" + random.Next(0, 3), requests, random.NextInt64(1, 900_000_000), 0, requests, 0, 0, 0, requests, 0),
                    new DecisionCountRow(minute, "", "127.0.0.11", Pops[random.Next(Pops.Length)], random.NextInt64(0, 5000)));
            }

            return usage;
        }
    }
}

public sealed class SqliteDownsampledUsageBillingTests(SqlitePortalFactory factory) : DownsampledUsageBillingTests<SqlitePortalFactory>(factory);

public sealed class PostgresDownsampledUsageBillingTests(PostgresPortalFactory factory) : DownsampledUsageBillingTests<PostgresPortalFactory>(factory);
