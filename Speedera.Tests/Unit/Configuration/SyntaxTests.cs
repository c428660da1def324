using Speedera.Core.Configuration;

namespace Speedera.Tests.Unit.Configuration;

public sealed class SyntaxTests
{
    [Theory]
    [InlineData("203.0.113.10", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("010.0.0.1", false)]
    [InlineData("10.1", false)]
    [InlineData("203.0.113.10 ", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("", false)]
    public void Ipv4_must_be_canonical_dotted_decimal(string text, bool valid)
    {
        Assert.Equal(valid, Syntax.IsValidIPv4(text));
    }

    [Theory]
    [InlineData("images.example.com", true, true)]
    [InlineData("_acme-challenge.example.com", true, false)]
    [InlineData("Images.example.com", false, false)]
    [InlineData("-bad.example.com", false, false)]
    [InlineData("example.com.", false, false)]
    public void Record_names_may_hold_underscores_hostnames_may_not(string name, bool dnsName, bool hostname)
    {
        Assert.Equal(dnsName, Syntax.IsValidDnsName(name));
        Assert.Equal(hostname, Syntax.IsValidHostname(name));
    }

    [Fact]
    public void Names_longer_than_253_characters_or_labels_longer_than_63_are_refused()
    {
        Assert.True(Syntax.IsValidHostname(new string('a', 63) + ".example"));
        Assert.False(Syntax.IsValidHostname(new string('a', 64) + ".example"));
        var longName = string.Join('.', Enumerable.Repeat(new string('a', 63), 4));
        Assert.Equal(255, longName.Length);
        Assert.False(Syntax.IsValidDnsName(longName));
    }
}
