using System.Buffers.Binary;
using Speedera.Core.Gtm;

namespace Speedera.Core.Dns;

/// <summary>
/// Server cookies in the interoperable format of RFC 9018 §4 (version 1, reserved, 32-bit timestamp,
/// SipHash-2-4 of client cookie | version | reserved | timestamp | client address). Two secrets are
/// kept so cookies made just before a rotation still verify. Creating and checking do not allocate.
/// </summary>
public sealed class DnsServerCookies
{
    /// <summary>RFC 9018 §4.3: a cookie is good for an hour, and up to 5 minutes of clock skew into the future.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    private volatile Secret _current;
    private volatile Secret? _previous;

    public DnsServerCookies(ReadOnlySpan<byte> secret) => _current = new Secret(secret);

    /// <summary>Starts using <paramref name="secret"/>; cookies made with the one before it keep verifying until the next rotation.</summary>
    public void Rotate(ReadOnlySpan<byte> secret)
    {
        _previous = _current;
        _current = new Secret(secret);
    }

    /// <summary>Writes a 16-octet server cookie for this client cookie and address at <paramref name="now"/>.</summary>
    public void Create(ulong clientCookie, ClientAddress client, DateTimeOffset now, Span<byte> serverCookie)
    {
        uint timestamp = (uint)now.ToUnixTimeSeconds();
        ulong head = (1UL << 56) | timestamp;
        BinaryPrimitives.WriteUInt64BigEndian(serverCookie, head);
        // RFC 9018 §4.4: the hash's eight octets as SipHash's reference code writes them (little-endian).
        BinaryPrimitives.WriteUInt64LittleEndian(serverCookie[8..], Hash(_current, clientCookie, head, client));
    }

    /// <summary>RFC 9018 §4.3: version 1, timestamp within the hour (or 5 minutes ahead), hash by the current or previous secret.</summary>
    public bool IsValid(in DnsQuery query, ClientAddress client, DateTimeOffset now)
    {
        if (!query.HasCookie || query.ServerCookieLength != 16 || (query.ServerCookieHead >> 56) != 1)
        {
            return false;
        }

        long timestamp = (long)(query.ServerCookieHead & 0xFFFFFFFF);
        long seconds = now.ToUnixTimeSeconds();
        if (timestamp < seconds - (long)MaxAge.TotalSeconds || timestamp > seconds + (long)MaxSkew.TotalSeconds)
        {
            return false;
        }

        ulong hash = BinaryPrimitives.ReverseEndianness(query.ServerCookieHash);
        if (Hash(_current, query.ClientCookie, query.ServerCookieHead, client) == hash)
        {
            return true;
        }

        return _previous is { } previous && Hash(previous, query.ClientCookie, query.ServerCookieHead, client) == hash;
    }

    private static ulong Hash(Secret secret, ulong clientCookie, ulong head, ClientAddress client)
    {
        Span<byte> input = stackalloc byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(input, clientCookie);
        BinaryPrimitives.WriteUInt64BigEndian(input[8..], head);
        int length;
        if (client.IsV6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(input[16..], client.Bits);
            length = 32;
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(input[16..], (uint)client.Bits);
            length = 20;
        }

        return SipHash.Hash24(secret.K0, secret.K1, input[..length]);
    }

    private sealed class Secret
    {
        public Secret(ReadOnlySpan<byte> key)
        {
            if (key.Length != 16)
            {
                throw new ArgumentException("A cookie secret is 16 octets.", nameof(key));
            }

            K0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
            K1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
        }

        public ulong K0 { get; }

        public ulong K1 { get; }
    }
}
