using Microsoft.Extensions.DependencyInjection;
using Speedera.Tests.Integration.Portal;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Features.Billing;
using Speedera.Web.Features.Content;
using Speedera.Web.Features.Reports;

namespace Speedera.Tests.Integration.Billing;

public sealed record SeededUsage(Guid OrganizationId, string Hostname, long Bytes, long Requests, long Answers);

/// <summary>Organizations, hostnames and per-minute rollups written straight into the portal's database.</summary>
public static class BillingSeed
{
    public static DateTime PeriodMonthsAgo(int months) => BillingPeriods.MonthStart(DateTime.UtcNow).AddMonths(-months);

    public static async Task<SeededUsage> OrganizationWithUsageAsync(PortalFactory factory, DateTime period, int minutes = 120, int seed = 1, Guid? organizationId = null, string? billingEmail = null)
    {
        var random = new Random(seed);
        var org = organizationId ?? Guid.NewGuid();
        var hostname = $"bill{Guid.NewGuid():N}"[..16] + ".speedera.net";
        long bytes = 0, requests = 0, answers = 0;
        await factory.WithDbAsync(async db =>
        {
            if (organizationId is null)
            {
                db.Organizations.Add(new Organization { Id = org, Name = $"Billed {seed} {org.ToString()[..6]}", CreatedAt = period.AddYears(-1) });
            }

            db.Hostnames.Add(new HostnameEntity
            {
                Id = Guid.NewGuid(), OrganizationId = org, Name = hostname, Kind = HostnameKind.ServiceZone, Services = HostnameServices.Cdn,
                Verification = VerificationState.Active,
            });
            string[] pops = ["sjc", "fra", "nrt", "gru"];
            for (var m = 0; m < minutes; m++)
            {
                var minute = period.AddMinutes(m * 7);
                var b = random.NextInt64(1, 900_000_000);
                var r = random.NextInt64(1, 40_000);
                db.UsageRollups.Add(new UsageRollupEntity { Minute = minute, Hostname = hostname, PopId = pops[m % pops.Length], NodeId = "edge-" + (m % 3), BytesToClients = b, Requests = r, BytesFromOrigin = b / 10 });
                bytes += b;
                requests += r;
                var a = random.NextInt64(0, 5000);
                db.DecisionCounts.Add(new DecisionCountEntity { Minute = minute, NodeId = "dns-1", Hostname = hostname, Address = "127.0.0.11", PopId = "sjc", Count = a });
                answers += a;
            }

            // Outside the period: must not be billed.
            db.UsageRollups.Add(new UsageRollupEntity { Minute = period.AddMonths(1), Hostname = hostname, PopId = "sjc", NodeId = "edge-0", BytesToClients = 777_000_000_000, Requests = 5 });
            db.UsageRollups.Add(new UsageRollupEntity { Minute = period.AddTicks(-1), Hostname = hostname, PopId = "sjc", NodeId = "edge-0", BytesToClients = 555_000_000_000, Requests = 5 });
            if (billingEmail is not null)
            {
                db.BillingProfiles.Add(new BillingProfileEntity
                {
                    OrganizationId = org, LegalName = "Boulangerie Dupont SAS", AddressLine1 = "12 rue de la Paix", PostalCode = "75002", City = "Paris", Country = "FR",
                    VatId = "FR40303265045", TaxTreatment = Speedera.Core.Billing.TaxTreatment.ReverseCharge, BillingEmail = billingEmail, PaymentTermsDays = 14,
                });
            }

            await db.SaveChangesAsync();
            return 0;
        });
        return new SeededUsage(org, hostname, bytes, requests, answers);
    }

    public static T Service<T>(this PortalFactory factory)
        where T : notnull => factory.Services.GetRequiredService<T>();
}
