using System.Text.RegularExpressions;
using Speedera.Core.Configuration;
using Speedera.Tests.Support;
using Speedera.Tests.Unit.Gtm;

namespace Speedera.Tests.Integration.Dns;

/// <summary>The seed customer's network on a real dns server on loopback, with the real DB-IP data loaded.</summary>
public sealed class RegionDnsServer : IAsyncLifetime
{
    public LoopbackDnsServer Server { get; } = new();

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        Server.Configuration = RegionNetwork.Create();
        if (GeoData.MissingReason is null)
        {
            Server.State.Geo.Set(GeoData.Database);
        }

        Healthy();
    }

    /// <summary>Every region server healthy, measured later than anything before (newer results replace older).</summary>
    public void Healthy() => Server.State.Metrics.ApplyServiceMetrics(RegionNetwork.Healthy(Next()));

    public void Fail(params string[] servers) =>
        Server.State.Metrics.ApplyServiceMetrics([.. servers.Select(s => TestNetwork.Failed(s, Next()))]);

    public Task DisposeAsync() => Server.DisposeAsync();

    private long _tick;

    // Metrics carry future timestamps so they never go stale during the test; each batch is a second newer.
    private DateTimeOffset Next() => DateTimeOffset.UtcNow + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(Interlocked.Increment(ref _tick));
}

/// <summary>
/// dig and kdig with +subnet against our server on loopback: the subnet is only a field in the query
/// (real public prefixes as data; nothing is sent anywhere but 127.0.0.1).
/// </summary>
public class RegionDigTests(RegionDnsServer fixture) : IClassFixture<RegionDnsServer>
{
    private static Regex Answer(string address) => new($@"^track\.example\.test\.\s+20\s+IN\s+A\s+{Regex.Escape(address)}\s*$", RegexOptions.Multiline);

    private static readonly Regex London = new(@"^track\.example\.test\.\s+20\s+IN\s+A\s+10\.1\.0\.[12]\s*$", RegexOptions.Multiline);

    [GeoDataTheory]
    [InlineData("dig", "+notcp")]
    [InlineData("dig", "+tcp")]
    [InlineData("kdig", "+notcp")]
    [InlineData("kdig", "+tcp")]
    public async Task Europe_resolves_to_london(string tool, string transport)
    {
        foreach (var subnet in new[] { "193.0.6.0/24", "18.130.0.0/24", "130.208.0.0/16" })
        {
            var output = await Ask(tool, $"+subnet={subnet}", transport);
            Assert.Matches(London, output);
            Assert.Contains($"CLIENT-SUBNET: {subnet}/{subnet.Split('/')[1]}", output, StringComparison.Ordinal);
        }
    }

    [GeoDataTheory]
    [InlineData("dig", "+notcp")]
    [InlineData("dig", "+tcp")]
    [InlineData("kdig", "+notcp")]
    [InlineData("kdig", "+tcp")]
    public async Task United_states_resolves_to_ashburn_and_the_rest_to_the_default(string tool, string transport)
    {
        Assert.Matches(Answer("10.1.0.4"), await Ask(tool, "+subnet=52.95.110.0/24", transport));
        Assert.Matches(Answer("10.1.0.5"), await Ask(tool, "+subnet=1.1.1.0/24", transport));
        Assert.Matches(Answer("10.1.0.5"), await Ask(tool, "+subnet=200.160.2.0/24", transport));
    }

    [GeoDataTheory]
    [InlineData("+notcp")]
    [InlineData("+tcp")]
    public async Task When_londons_addresses_stop_europe_fails_over_within_its_region(string transport)
    {
        try
        {
            fixture.Fail("lon1", "lon2");
            Assert.Matches(Answer("10.1.0.3"), await Ask("dig", "+subnet=193.0.6.0/24", transport));
            fixture.Fail("fra1");
            // Every target of Europe down: the nearest healthy POP (Ashburn) answers.
            Assert.Matches(Answer("10.1.0.4"), await Ask("dig", "+subnet=193.0.6.0/24", transport));
        }
        finally
        {
            fixture.Healthy();
        }

        Assert.Matches(London, await Ask("dig", "+subnet=193.0.6.0/24", transport));
    }

    [GeoDataTheory]
    [InlineData("dig", "+notcp")]
    [InlineData("kdig", "+tcp")]
    public async Task Bias_moves_the_geoproximity_boundary(string tool, string transport)
    {
        var near = new Regex(@"^near\.example\.test\.\s+20\s+IN\s+A\s+(10\.1\.0\.\d)\s*$", RegexOptions.Multiline);
        var before = near.Match(await Ask(tool, "+subnet=130.208.0.0/16", transport, "near.example.test"));
        Assert.Equal("10.1.0.1", before.Groups[1].Value);
        var original = fixture.Server.Configuration!;
        try
        {
            fixture.Server.Configuration = RegionNetwork.Create(h => h.Name == RegionNetwork.Near
                ? h with { Geoproximity = new Geoproximity(true, [new PopBias("iad", 70)]) }
                : h) with { Version = original.Version + 1 };
            var after = near.Match(await Ask(tool, "+subnet=130.208.0.0/16", transport, "near.example.test"));
            Assert.Equal("10.1.0.4", after.Groups[1].Value);
            Assert.Equal("10.1.0.1", near.Match(await Ask(tool, "+subnet=193.0.6.0/24", transport, "near.example.test")).Groups[1].Value);
        }
        finally
        {
            fixture.Server.Configuration = original;
        }
    }

    private Task<string> Ask(string tool, string subnet, string transport, string name = RegionNetwork.Track) => tool == "dig"
        ? DnsTool.DigAsync(fixture.Server, name, "A", subnet, transport)
        : DnsTool.KdigAsync(fixture.Server, name, "A", subnet, transport);
}
