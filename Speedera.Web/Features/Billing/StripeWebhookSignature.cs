using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Speedera.Web.Features.Billing;

public enum SignatureCheck
{
    Valid,
    Missing,
    Malformed,
    Mismatch,
    TooOld,
}

/// <summary>
/// Stripe's webhook signature: header <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=...]</c>, where v1 is
/// HMAC-SHA256 with the endpoint secret over "{t}.{raw body}". A timestamp outside the tolerance is
/// refused even with a good signature, so a captured delivery cannot be replayed later.
/// </summary>
public static class StripeWebhookSignature
{
    public static SignatureCheck Verify(string? header, string payload, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return SignatureCheck.Missing;
        }

        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            if (key == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (key == "v1" && value.Length == 64)
            {
                try
                {
                    signatures.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                }
            }
        }

        if (timestamp is null || signatures.Count == 0)
        {
            return SignatureCheck.Malformed;
        }

        var expected = Compute(timestamp.Value, payload, secret);
        if (!signatures.Any(s => CryptographicOperations.FixedTimeEquals(s, expected)))
        {
            return SignatureCheck.Mismatch;
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(timestamp.Value);
        return age.Duration() > tolerance ? SignatureCheck.TooOld : SignatureCheck.Valid;
    }

    public static byte[] Compute(long timestamp, string payload, string secret) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + "." + payload));

    /// <summary>The header Stripe would send (tests sign their payloads with it).</summary>
    public static string Header(long timestamp, string payload, string secret) =>
        $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(Compute(timestamp, payload, secret))}";
}
