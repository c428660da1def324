using System.Net;
using Speedera.Core.Configuration;
using Speedera.Tests.Integration.Dns;

namespace Speedera.Tests.Integration.Portal;

/// <summary>The portal, asking a real DNS server on loopback for customers' CNAME records.</summary>
public sealed class VerificationPortalFactory : PortalFactory
{
    public LoopbackDnsServer Dns { get; } = new();

    public override string ProviderName => "Sqlite";

    public override async Task InitializeAsync()
    {
        await Dns.InitializeAsync();
        var network = Dns.Configuration!;
        var zone = network.Zones[0];
        Dns.Configuration = network with
        {
            Zones =
            [
                zone with
                {
                    Records =
                    [
                        .. zone.Records,
                        new StaticRecord("images.example.test", "CNAME", TimeSpan.FromMinutes(5), "images-example-test.speedera.net"),
                        new StaticRecord("wrong.example.test", "CNAME", TimeSpan.FromMinutes(5), "cdn.elsewhere.invalid"),
                    ],
                },
                .. network.Zones.Skip(1),
            ],
        };
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

public sealed class VerificationTests(VerificationPortalFactory factory) : IClassFixture<VerificationPortalFactory>
{
    [Fact]
    public async Task Cname_to_the_alias_makes_a_customer_name_active()
    {
        var tenant = await Tenant.CreateAsync(factory, "Verified Shop");
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name = "images.example.test", kind = "customer-owned", gtm = true }, HttpStatusCode.Created);
        Assert.Equal("pending", created.GetProperty("status").GetString());

        var verified = await tenant.PostJsonAsync($"/api/v1/domains/{created.GetProperty("id").GetGuid()}/verify", new { }, HttpStatusCode.OK);

        Assert.Equal("active", verified.GetProperty("status").GetString());
        Assert.Equal(JsonValueKindNull, verified.GetProperty("verificationError").ValueKind);
    }

    [Theory]
    [InlineData("wrong.example.test", "is a CNAME for cdn.elsewhere.invalid, not for wrong-example-test.speedera.net")]
    [InlineData("absent.example.test", "does not exist in DNS yet (NXDOMAIN)")]
    public async Task Missing_or_wrong_records_fail_with_the_reason(string name, string reason)
    {
        var tenant = await Tenant.CreateAsync(factory, "Unverified Shop");
        var created = await tenant.PostJsonAsync("/api/v1/domains", new { name, kind = "customer-owned", gtm = true }, HttpStatusCode.Created);

        var checkedNow = await tenant.PostJsonAsync($"/api/v1/domains/{created.GetProperty("id").GetGuid()}/verify", new { }, HttpStatusCode.OK);

        Assert.Equal("failed", checkedNow.GetProperty("status").GetString());
        Assert.Contains(reason, checkedNow.GetProperty("verificationError").GetString());
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;
}
