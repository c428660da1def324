using System.Text;
using Speedera.Tests.Support;

namespace Speedera.Tests.Unit.Portal;

public sealed class TotpTests
{
    [Theory]
    // RFC 6238 appendix B, SHA-1 key "12345678901234567890", last six digits of the eight-digit vectors.
    [InlineData(59, "287082")]
    [InlineData(1111111109, "081804")]
    [InlineData(1234567890, "005924")]
    [InlineData(2000000000, "279037")]
    public void Test_helper_matches_the_rfc_6238_vectors(long unixSeconds, string expected)
    {
        var base32 = Base32(Encoding.ASCII.GetBytes("12345678901234567890"));

        Assert.Equal(expected, Totp.Code(base32, DateTimeOffset.FromUnixTimeSeconds(unixSeconds)));
    }

    private static string Base32(byte[] data)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var sb = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                bits -= 5;
                sb.Append(Alphabet[(buffer >> bits) & 31]);
            }
        }

        if (bits > 0)
        {
            sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return sb.ToString();
    }
}
