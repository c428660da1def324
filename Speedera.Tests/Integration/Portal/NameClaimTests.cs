using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Speedera.Core.Configuration;
using Speedera.Tests.Integration.Dns;
using Speedera.Web.Data;
using Speedera.Web.Features.Domains;

namespace Speedera.Tests.Integration.Portal;

/// <summary>The portal with a real DNS server on loopback whose records a test can change while it runs.</summary>
public sealed class ClaimsPortalFactory : PortalFactory
{
    public LoopbackDnsServer Dns { get; } = new();

    public override string ProviderName => "Sqlite";

    public override async Task InitializeAsync() => await Dns.InitializeAsync();

    /// <summary>Adds records to the loopback server's zone (example.test).</summary>
    public void AddRecords(params StaticRecord[] records)
    {
        var network = Dns.Configuration!;
        var zone = network.Zones[0];
        Dns.Configuration = network with { Zones = [zone with { Records = [.. zone.Records, .. records] }, .. network.Zones.Skip(1)] };
    }

    protected override IEnumerable<KeyValuePair<string, string>> DatabaseSettings() =>
    [
        new("Database:Provider", "Sqlite"),
        new("Speedera:Verification:Resolver", Dns.EndPoint.ToString()),
    ];

    protected override async Task DisposeCoreAsync()
    {
        await base.DisposeCoreAsync();
        await Dns.DisposeAsync();
    }
}

/// <summary>Issue 13 item 5: an unverified claim on a customer's own name must not lock out its real owner.</summary>
public sealed class NameClaimTests(ClaimsPortalFactory factory) : IClassFixture<ClaimsPortalFactory>
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    [Fact]
    public async Task An_unverified_claim_does_not_stop_another_organization_claiming_the_name()
    {
        var squatter = await Tenant.CreateAsync(factory, "Squatter");
        var owner = await Tenant.CreateAsync(factory, "Owner");

        await AddCustomerNameAsync(squatter, "www.squatted.example.test");
        var claim = await AddCustomerNameAsync(owner, "www.squatted.example.test");

        Assert.Equal("pending", claim.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_first_organization_to_prove_control_wins_and_the_other_claims_end()
    {
        var first = await Tenant.CreateAsync(factory, "Early Claimant");
        var owner = await Tenant.CreateAsync(factory, "Real Owner");
        var early = await AddCustomerNameAsync(first, "contested.example.test");
        var real = await AddCustomerNameAsync(owner, "contested.example.test");
        Assert.NotEqual(early.GetProperty("challengeValue").GetString(), real.GetProperty("challengeValue").GetString());
        Assert.Equal("_speedera-challenge.contested.example.test", real.GetProperty("challengeRecord").GetString());

        factory.AddRecords(new StaticRecord(real.GetProperty("challengeRecord").GetString()!, "TXT", TimeSpan.FromSeconds(5), real.GetProperty("challengeValue").GetString()!));
        var verified = await owner.PostJsonAsync($"/api/v1/domains/{Id(real)}/verify", new { }, HttpStatusCode.OK);

        Assert.Equal("active", verified.GetProperty("status").GetString());
        var ended = await first.GetJsonAsync($"/api/v1/domains/{Id(early)}");
        Assert.Equal("ended", ended.GetProperty("status").GetString());
        Assert.StartsWith("contested.example.test was verified by another organization on ", ended.GetProperty("verificationError").GetString(), StringComparison.Ordinal);
        var checkedAgain = await first.PostJsonAsync($"/api/v1/domains/{Id(early)}/verify", new { }, HttpStatusCode.OK);
        Assert.Equal("ended", checkedAgain.GetProperty("status").GetString());

        var late = await Tenant.CreateAsync(factory, "Late Claimant");
        var refused = await late.PostJsonAsync("/api/v1/domains", new { name = "contested.example.test", kind = "customer-owned", gtm = true }, HttpStatusCode.BadRequest);
        Assert.Contains("contested.example.test is already registered.", refused.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_txt_record_with_another_organizations_token_proves_nothing()
    {
        var other = await Tenant.CreateAsync(factory, "Token Holder");
        var tenant = await Tenant.CreateAsync(factory, "Token Borrower");
        var theirs = await AddCustomerNameAsync(other, "borrowed.example.test");
        var mine = await AddCustomerNameAsync(tenant, "borrowed.example.test");
        factory.AddRecords(new StaticRecord("_speedera-challenge.borrowed.example.test", "TXT", TimeSpan.FromSeconds(5), theirs.GetProperty("challengeValue").GetString()!));

        var result = await tenant.PostJsonAsync($"/api/v1/domains/{Id(mine)}/verify", new { }, HttpStatusCode.OK);

        Assert.Equal("failed", result.GetProperty("status").GetString());
        Assert.Contains("no TXT record _speedera-challenge.borrowed.example.test with this organization's token", result.GetProperty("verificationError").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_delegation_proves_control_only_while_one_organization_claims_the_name()
    {
        var first = await Tenant.CreateAsync(factory, "Delegating Owner");
        var other = await Tenant.CreateAsync(factory, "Bystander");
        var mine = await AddCustomerNameAsync(first, "delegated.example.test");
        var theirs = await AddCustomerNameAsync(other, "delegated.example.test");
        factory.AddRecords(
            new StaticRecord("delegated.example.test", "NS", TimeSpan.FromMinutes(5), "ns1.speedera.net"),
            new StaticRecord("delegated.example.test", "NS", TimeSpan.FromMinutes(5), "ns2.speedera.net"));

        var contested = await other.PostJsonAsync($"/api/v1/domains/{Id(theirs)}/verify", new { }, HttpStatusCode.OK);
        Assert.Equal("failed", contested.GetProperty("status").GetString());
        Assert.Contains("is delegated to us, but 2 organizations claim it", contested.GetProperty("verificationError").GetString(), StringComparison.Ordinal);

        var deleted = await other.Api.DeleteAsync($"/api/v1/domains/{Id(theirs)}");
        Assert.True(deleted.IsSuccessStatusCode, $"DELETE: {(int)deleted.StatusCode}");
        var verified = await first.PostJsonAsync($"/api/v1/domains/{Id(mine)}/verify", new { }, HttpStatusCode.OK);
        Assert.Equal("active", verified.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unverified_claims_end_after_the_configured_lifetime()
    {
        var tenant = await Tenant.CreateAsync(factory, "Slow Verifier");
        var claim = await AddCustomerNameAsync(tenant, "slow.example.test");
        var created = await factory.WithDbAsync(db => db.Hostnames.Where(h => h.Id == Id(claim)).Select(h => h.CreatedAt).SingleAsync());
        var clock = new FakeTimeProvider(new DateTimeOffset(created) + Lifetime - TimeSpan.FromMinutes(1));

        Assert.Equal(0, await WithDomainServiceAsync(clock, (d, _) => d.EndExpiredClaimsAsync(CancellationToken.None)));
        Assert.Equal("pending", (await tenant.GetJsonAsync($"/api/v1/domains/{Id(claim)}")).GetProperty("status").GetString());

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await WithDomainServiceAsync(clock, (d, _) => d.EndExpiredClaimsAsync(CancellationToken.None)));

        var ended = await tenant.GetJsonAsync($"/api/v1/domains/{Id(claim)}");
        Assert.Equal("ended", ended.GetProperty("status").GetString());
        Assert.StartsWith("The claim on slow.example.test expired on ", ended.GetProperty("verificationError").GetString(), StringComparison.Ordinal);
        // The name is free again, for this organization too.
        Assert.Equal("pending", (await AddCustomerNameAsync(tenant, "slow.example.test")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Checking_an_expired_claim_ends_it_instead_of_verifying()
    {
        var tenant = await Tenant.CreateAsync(factory, "Late Checker");
        var claim = await AddCustomerNameAsync(tenant, "late-check.example.test");
        factory.AddRecords(new StaticRecord("_speedera-challenge.late-check.example.test", "TXT", TimeSpan.FromSeconds(5), claim.GetProperty("challengeValue").GetString()!));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow + Lifetime + TimeSpan.FromHours(1));

        await WithDomainServiceAsync(clock, async (d, db) =>
            await d.VerifyEntityAsync(await db.Hostnames.SingleAsync(h => h.Id == Id(claim)), "test", CancellationToken.None));

        Assert.Equal("ended", (await tenant.GetJsonAsync($"/api/v1/domains/{Id(claim)}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Names_under_our_own_zone_stay_first_come()
    {
        var first = await Tenant.CreateAsync(factory, "Zone First");
        var second = await Tenant.CreateAsync(factory, "Zone Second");
        var label = "shop" + Guid.NewGuid().ToString("N")[..8];

        var taken = await first.PostJsonAsync("/api/v1/domains", new { name = label, kind = "service-zone", gtm = true }, HttpStatusCode.Created);
        var refused = await second.PostJsonAsync("/api/v1/domains", new { name = label, kind = "service-zone", gtm = true }, HttpStatusCode.BadRequest);

        Assert.Equal("active", taken.GetProperty("status").GetString());
        Assert.Contains("is already registered.", refused.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_portal_page_shows_the_txt_record_and_when_the_claim_ends()
    {
        var tenant = await Tenant.CreateAsync(factory, "Page Reader");
        var claim = await AddCustomerNameAsync(tenant, "page.example.test");

        var (_, page) = await tenant.Browser.GetAsync($"/domains/{Id(claim)}");

        Assert.Contains($"_speedera-challenge.page.example.test.    300    IN    TXT    \"{claim.GetProperty("challengeValue").GetString()}\"",
            page.QuerySelector("[data-testid=txt-record]")?.TextContent, StringComparison.Ordinal);
        Assert.Contains("This claim ends on", page.QuerySelector("[data-testid=claim-expiry]")?.TextContent, StringComparison.Ordinal);
    }

    private static Guid Id(JsonElement domain) => domain.GetProperty("id").GetGuid();

    private static Task<JsonElement> AddCustomerNameAsync(Tenant tenant, string name) =>
        tenant.PostJsonAsync("/api/v1/domains", new { name, kind = "customer-owned", gtm = true }, HttpStatusCode.Created);

    // The portal's own DomainService and database, on a clock the test moves.
    private async Task<T> WithDomainServiceAsync<T>(TimeProvider clock, Func<DomainService, SpeederaDbContext, Task<T>> action)
    {
        using var scope = factory.Services.CreateScope();
        return await action(ActivatorUtilities.CreateInstance<DomainService>(scope.ServiceProvider, clock), scope.ServiceProvider.GetRequiredService<SpeederaDbContext>());
    }
}
