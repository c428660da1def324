using System.Net;
using System.Net.Sockets;
using Speedera.Core.Configuration;
using Speedera.Tests.Integration.Cache;
using Speedera.Tests.Unit.Security;

namespace Speedera.Tests.Integration.Security;

/// <summary>
/// The cache's origin connections pass the target guard. The cache and the test client talk on loopback; origins
/// go through a socket factory that records and refuses, so no origin address is ever dialled.
/// </summary>
public sealed class CacheOriginGuardTests
{
    private sealed class RefusingSockets
    {
        public int Calls;

        public Socket Create(AddressFamily family, SocketType type, ProtocolType protocol)
        {
            Interlocked.Increment(ref Calls);
            throw new InvalidOperationException("the guard let an origin socket be made");
        }
    }

    private static NetworkConfiguration WithOrigin(string origin, long version, bool allowPrivate) =>
        TestNetwork.Config(80, version) with
        {
            AllowPrivateTargets = allowPrivate,
            Hostnames = [TestNetwork.Cdn(TestNetwork.Host, 80) is var h ? h with { Cache = h.Cache! with { Origin = origin } } : null!],
        };

    [Fact]
    public async Task Every_forbidden_origin_address_gets_502_without_a_socket()
    {
        var sockets = new RefusingSockets();
        await using var t = await CacheTestHost.StartAsync(o => o.OriginSocketFactory = sockets.Create);
        var version = 10L;
        var failures = new List<string>();
        var cases = 0;
        foreach (var (range, _, address) in TargetMatrix.Rows)
        {
            cases++;
            t.Config.Update(WithOrigin(address, ++version, allowPrivate: false));
            using var response = await t.GetAsync($"/m/{cases}");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.BadGateway || !body.StartsWith("Speedera: could not reach origin ", StringComparison.Ordinal))
            {
                failures.Add($"{address} ({range}): {(int)response.StatusCode} {body.Trim()}");
            }
        }

        Assert.Equal(TargetMatrix.Rows.Count(), cases);
        Assert.Empty(failures);
        Assert.Equal(0, sockets.Calls);
    }

    [Fact]
    public async Task Origin_name_that_resolves_to_a_private_address_gets_502_without_a_socket()
    {
        var sockets = new RefusingSockets();
        await using var t = await CacheTestHost.StartAsync(o =>
        {
            o.OriginSocketFactory = sockets.Create;
            o.OriginResolver = (_, _) => ValueTask.FromResult(new[] { IPAddress.Parse("10.1.2.3") });
        });
        t.Config.Update(TestNetwork.Config(80, version: 2) with { AllowPrivateTargets = false });

        using var response = await t.GetAsync("/rebound");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("Speedera: could not reach origin wwx.customer.com for www.customer.com.\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, sockets.Calls);
    }

    [Fact]
    public async Task Loopback_origin_is_served_when_the_configuration_allows_private_targets()
    {
        await using var t = await CacheTestHost.StartAsync();
        t.Origin.MapStatic("/ok", "fine", ("Cache-Control", "max-age=60"));

        using var allowed = await t.GetAsync("/ok");
        t.Config.Update(TestNetwork.Config(t.Origin.Port, version: 2) with { AllowPrivateTargets = false });
        using var refused = await t.GetAsync("/ok2");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        Assert.Equal(0, t.Origin.Hits("/ok2"));
    }
}
