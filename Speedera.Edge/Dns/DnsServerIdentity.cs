using System.Security.Cryptography;
using System.Text;
using Speedera.Core.Dns;

namespace Speedera.Edge.Dns;

/// <summary>
/// What a dns node says about itself in OPT: its NSID (RFC 5001, the node id) and its server cookies
/// (RFC 7873, secret from the system's RNG, rotated by <see cref="RotateCookieSecret"/>).
/// </summary>
public sealed class DnsServerIdentity
{
    /// <summary>The NSID payload is kept short: it travels in every response that asks for it.</summary>
    public const int MaxNsidLength = 64;

    public DnsServerIdentity(string? nodeId, TimeProvider timeProvider, bool cookies = true)
    {
        var bytes = Encoding.UTF8.GetBytes(nodeId ?? "");
        Nsid = bytes.Length > MaxNsidLength ? bytes[..MaxNsidLength] : bytes;
        TimeProvider = timeProvider;
        if (cookies)
        {
            Span<byte> secret = stackalloc byte[16];
            RandomNumberGenerator.Fill(secret);
            Cookies = new DnsServerCookies(secret);
        }
    }

    public byte[] Nsid { get; }

    public DnsServerCookies? Cookies { get; }

    public TimeProvider TimeProvider { get; }

    public void RotateCookieSecret()
    {
        Span<byte> secret = stackalloc byte[16];
        RandomNumberGenerator.Fill(secret);
        Cookies?.Rotate(secret);
    }
}
