using System.Security.Cryptography;
using System.Text;

namespace Speedera.Web.Hosting;

/// <summary>
/// Bearer secrets the portal issues (API keys, edge node keys): 32 random bytes in base64url
/// behind an optional prefix. Only the SHA-256 (lower-case hex) is stored, so the database never
/// holds a usable key; the format is what existing rows were written with, so old keys keep working.
/// </summary>
public static class SecretKeys
{
    public const int RandomBytes = 32;

    /// <summary>Length of a stored hash: SHA-256 as lower-case hex.</summary>
    public const int HashLength = 64;

    /// <summary>A new key: <paramref name="prefix"/> followed by 32 random bytes in base64url without padding.</summary>
    public static string Generate(string prefix = "") => prefix + Base64Url(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>The value stored for <paramref name="key"/>: SHA-256 of its UTF-8 bytes, lower-case hex.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// Whether <paramref name="key"/> hashes to <paramref name="storedHash"/>, compared in fixed time so
    /// the comparison itself does not tell an attacker how many leading characters matched.
    /// </summary>
    public static bool Matches(string key, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(key)), Encoding.ASCII.GetBytes(storedHash));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
