using Speedera.Core.Configuration;
using Speedera.Web.Features.Domains;

namespace Speedera.Tests.Unit.Portal;

/// <summary>The portal checks what Core's validator checks, so whatever a customer saves can be published.</summary>
public sealed class PortalLimitsTests
{
    private static readonly string[] Pops = ["pop-a"];

    private static GtmSettingsInput Settings(params AddressInput[] addresses) => new() { Addresses = [.. addresses] };

    private static AddressInput Address(string address = "203.0.113.10", int weight = 1, bool hidden = false) =>
        new() { Address = address, PopId = "pop-a", Weight = weight, HiddenFailover = hidden };

    // Documentation addresses stand in for customers' servers: the guard allows them here, as in the test fixtures.
    private static Dictionary<string, string[]> Validate(GtmSettingsInput input) =>
        DomainService.ValidateGtm(input, Pops, [], new Speedera.Core.Security.NetworkTargetGuard(allowPrivateTargets: true));

    [Fact]
    public void Valid_settings_have_no_errors()
    {
        Assert.Empty(Validate(Settings(Address())));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(101)]
    [InlineData(Limits.MaxWeight)]
    [InlineData(Limits.MaxWeight + 1)]
    public void Portal_accepts_exactly_the_weights_core_accepts(int weight)
    {
        var errors = Validate(Settings(Address(weight: weight), Address("203.0.113.11", weight: 1)));

        var coreAccepts = weight is >= Limits.MinWeight and <= Limits.MaxWeight;
        Assert.Equal(coreAccepts, !errors.ContainsKey("Addresses[0].Weight"));
        if (!coreAccepts)
        {
            Assert.Contains($"between {Limits.MinWeight} and {Limits.MaxWeight}", errors["Addresses[0].Weight"][0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Visible_addresses_all_weighing_zero_are_refused_like_core_refuses_them()
    {
        var errors = Validate(Settings(Address(weight: 0), Address("203.0.113.11", weight: 5, hidden: true)));

        Assert.Contains("weight above 0", Assert.Single(errors["Addresses"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Persistence_refresh_timeout_longer_than_core_allows_is_refused()
    {
        var input = Settings(Address());
        input.PersistenceEnabled = true;
        input.PersistenceAccessTimeoutSeconds = 300;
        input.PersistenceRefreshTimeoutSeconds = (int)Limits.MaxPersistenceTimeout.TotalSeconds + 1;

        Assert.True(Validate(input).ContainsKey(nameof(GtmSettingsInput.PersistenceRefreshTimeoutSeconds)));

        input.PersistenceRefreshTimeoutSeconds = (int)Limits.MaxPersistenceTimeout.TotalSeconds;
        Assert.Empty(Validate(input));
    }

    [Theory]
    [InlineData("010.0.0.1")]
    [InlineData("10.1")]
    [InlineData("1.2.3.04")]
    [InlineData("203.0.113.256")]
    public void Ipv4_addresses_not_in_canonical_dotted_decimal_are_refused(string address)
    {
        Assert.True(Validate(Settings(Address(address))).ContainsKey("Addresses[0].Address"));
    }

    [Theory]
    [InlineData("2001:db8::10")]
    [InlineData("2001:0db8:0:0:0:0:0:10")]
    public void Ipv6_addresses_in_any_form_are_accepted(string address)
    {
        Assert.Empty(Validate(Settings(Address(address))));
    }

    [Fact]
    public void Interval_ttl_and_timeout_limits_are_cores_in_whole_seconds()
    {
        var input = Settings(Address());
        input.TestIntervalSeconds = (int)Limits.MaxServiceInterval.TotalSeconds;
        input.TestTimeoutSeconds = (int)Limits.MaxProbeTimeout.TotalSeconds;
        input.TtlSeconds = (int)Limits.MaxHostnameTtl.TotalSeconds;
        Assert.Empty(Validate(input));

        input.TestIntervalSeconds++;
        input.TestTimeoutSeconds++;
        input.TtlSeconds++;
        var errors = Validate(input);
        Assert.Contains(nameof(GtmSettingsInput.TestIntervalSeconds), errors.Keys);
        Assert.Contains(nameof(GtmSettingsInput.TestTimeoutSeconds), errors.Keys);
        Assert.Contains(nameof(GtmSettingsInput.TtlSeconds), errors.Keys);
    }
}
