using System.Net;
using Speedera.Core.Configuration;
using Speedera.Core.Security;
using Speedera.Tests.Unit.Configuration;

namespace Speedera.Tests.Unit.Security;

public sealed class NetworkTargetGuardTests
{
    [Theory]
    [MemberData(nameof(TargetMatrix.ForbiddenRows), MemberType = typeof(TargetMatrix))]
    public void Forbidden_address_is_refused_with_its_category_and_a_reason(string range, AddressCategory category, string address)
    {
        var decision = NetworkTargetGuard.Strict.Check(IPAddress.Parse(address));

        Assert.False(decision.Allowed, $"{address} ({range}) was allowed");
        Assert.Equal(category, decision.Category);
        Assert.StartsWith(IPAddress.Parse(address).ToString(), decision.Reason, StringComparison.Ordinal);
        Assert.EndsWith(NetworkTargetGuard.Describe(category) + ".", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TargetMatrix.PublicRows), MemberType = typeof(TargetMatrix))]
    public void Public_address_is_allowed(string address)
    {
        var decision = NetworkTargetGuard.Strict.Check(IPAddress.Parse(address));

        Assert.True(decision.Allowed, decision.Reason);
        Assert.Equal(AddressCategory.Public, decision.Category);
    }

    [Theory]
    [MemberData(nameof(TargetMatrix.ForbiddenRows), MemberType = typeof(TargetMatrix))]
    public void Allowing_private_targets_lets_only_the_private_kinds_through(string range, AddressCategory category, string address)
    {
        var decision = new NetworkTargetGuard(allowPrivateTargets: true).Check(IPAddress.Parse(address));

        var expected = category is AddressCategory.Loopback or AddressCategory.Private or AddressCategory.UniqueLocal or AddressCategory.SiteLocal
            or AddressCategory.SharedAddressSpace or AddressCategory.Documentation or AddressCategory.Benchmarking;
        Assert.True(expected == decision.Allowed, $"{address} ({range}): allowed={decision.Allowed}, expected {expected}");
    }

    [Fact]
    public void Reason_reads_as_a_sentence()
    {
        Assert.Equal("127.0.0.1 is a loopback address.", NetworkTargetGuard.Strict.Check(IPAddress.Loopback).Reason);
        Assert.Equal("::ffff:169.254.169.254 embeds 169.254.169.254, which is a link-local address.",
            NetworkTargetGuard.Strict.Check(IPAddress.Parse("::ffff:169.254.169.254")).Reason);
    }

    [Fact]
    public void Metadata_endpoint_stays_refused_with_private_targets_allowed()
    {
        var decision = new NetworkTargetGuard(allowPrivateTargets: true).Check(IPAddress.Parse("169.254.169.254"));

        Assert.False(decision.Allowed);
        Assert.Equal("169.254.169.254 is a link-local address.", decision.Reason);
    }

    [Fact]
    public void Public_infrastructure_address_is_refused_whatever_the_setting()
    {
        var ours = IPAddress.Parse("198.41.0.4");
        foreach (var allow in new[] { false, true })
        {
            var guard = new NetworkTargetGuard(allow, [ours]);
            var decision = guard.Check(ours);
            Assert.False(decision.Allowed);
            Assert.Equal(AddressCategory.Infrastructure, decision.Category);
            Assert.Equal("198.41.0.4 is an address of the Speedera network itself.", decision.Reason);
            Assert.False(guard.Check(IPAddress.Parse("::ffff:198.41.0.4")).Allowed);
            Assert.True(guard.Check(IPAddress.Parse("198.41.0.5")).Allowed);
        }
    }

    [Fact]
    public void Loopback_infrastructure_passes_only_with_private_targets_allowed()
    {
        // The demo's CDN origin is the portal on 127.0.0.1, which is also the embedded edge node's address.
        Assert.True(new NetworkTargetGuard(true, [IPAddress.Loopback]).Check(IPAddress.Loopback).Allowed);
        Assert.False(new NetworkTargetGuard(false, [IPAddress.Loopback]).Check(IPAddress.Loopback).Allowed);
    }

    [Fact]
    public void Guard_for_a_configuration_takes_its_setting_and_every_address_of_ours()
    {
        var config = SampleConfiguration.Create() with
        {
            AllowPrivateTargets = false,
            Servers = [.. SampleConfiguration.Create().Servers.Where(s => s.Kind == ServerKind.Edge), new Server("edge-pub", "sjc", "198.41.0.10", ServerKind.Edge, SampleConfiguration.Create().Servers[0].Services)],
            Nodes = [.. SampleConfiguration.Create().Nodes, new EdgeNode("node-pub", "sjc", NodeRoles.Cache, null, "198.41.0.11:9100", "198.41.0.12:8080", null)],
            InfrastructureAddresses = ["198.41.0.13"],
        };

        var guard = NetworkTargetGuard.For(config);

        Assert.False(guard.AllowPrivateTargets);
        foreach (var ours in new[] { "198.41.0.10", "198.41.0.11", "198.41.0.12", "198.41.0.13" })
        {
            Assert.Equal(AddressCategory.Infrastructure, guard.Check(IPAddress.Parse(ours)).Category);
        }

        Assert.True(NetworkTargetGuard.For(config with { AllowPrivateTargets = true }).Check(IPAddress.Parse("127.0.30.1")).Allowed);
        Assert.False(NetworkTargetGuard.For(null).AllowPrivateTargets);
    }
}
