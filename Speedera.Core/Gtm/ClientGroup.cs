using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Speedera.Core.Gtm;

/// <summary>An IPv4 or IPv6 address held as bits (IPv4 in the low 32 bits), cheap to copy and compare.</summary>
public readonly record struct ClientAddress(bool IsV6, UInt128 Bits)
{
    public static ClientAddress FromIPv4(uint bits) => new(false, bits);

    public static ClientAddress FromIPAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4
            ? new(false, BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : new(true, BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    public int MaxPrefix => IsV6 ? 128 : 32;

    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        if (IsV6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Bits);
            return new IPAddress(bytes);
        }

        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Bits);
        return new IPAddress(bytes[..4]);
    }

    public override string ToString() => ToIPAddress().ToString();
}

/// <summary>
/// A client group (the patent's DnsGroup): a prefix of client addresses treated alike for latency,
/// by default the resolver's /24 (IPv6 /48) or the EDNS Client Subnet.
/// </summary>
public readonly record struct ClientGroup(bool IsV6, UInt128 Prefix, byte Length)
{
    public const int DefaultV4Length = 24;
    public const int DefaultV6Length = 48;

    public static ClientGroup Of(ClientAddress address, int length)
    {
        int max = address.MaxPrefix;
        length = Math.Clamp(length, 0, max);
        return new(address.IsV6, address.Bits & Mask(length, max), (byte)length);
    }

    public bool Contains(ClientAddress address, int knownBits)
    {
        if (address.IsV6 != IsV6 || knownBits < Length)
        {
            return false;
        }

        int max = IsV6 ? 128 : 32;
        return (address.Bits & Mask(Length, max)) == Prefix;
    }

    /// <summary>Parses "198.51.100.0/24" or "2001:db8::/48"; a bare address is a host prefix.</summary>
    public static bool TryParse(string text, out ClientGroup group)
    {
        group = default;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var ip) || (ip.AddressFamily != AddressFamily.InterNetwork && ip.AddressFamily != AddressFamily.InterNetworkV6))
        {
            return false;
        }

        var address = ClientAddress.FromIPAddress(ip);
        int length = address.MaxPrefix;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > address.MaxPrefix))
        {
            return false;
        }

        group = Of(address, length);
        return true;
    }

    public override string ToString() => $"{new ClientAddress(IsV6, Prefix)}/{Length}";

    private static UInt128 Mask(int length, int max)
    {
        if (length == 0)
        {
            return UInt128.Zero;
        }

        UInt128 all = max == 128 ? UInt128.MaxValue : uint.MaxValue;
        return all & ~((UInt128.One << (max - length)) - UInt128.One) & all;
    }
}

/// <summary>Who asked: the resolver's address and, if the query carried one, its Client Subnet (RFC 7871).</summary>
public readonly record struct GtmClient(ClientAddress Resolver, bool HasSubnet, ClientAddress SubnetAddress, byte SubnetPrefix)
{
    public static GtmClient FromResolver(ClientAddress resolver) => new(resolver, false, default, 0);

    /// <summary>RFC 7871 §7.1.2: a SOURCE PREFIX-LENGTH of 0 means the client opted out; use the resolver.</summary>
    public bool UsesSubnet => HasSubnet && SubnetPrefix > 0;

    public ClientAddress Location => UsesSubnet ? SubnetAddress : Resolver;

    public int LocationBits => UsesSubnet ? SubnetPrefix : Resolver.MaxPrefix;

    public ClientGroup Group
    {
        get
        {
            var location = Location;
            int length = location.IsV6 ? ClientGroup.DefaultV6Length : ClientGroup.DefaultV4Length;
            return ClientGroup.Of(location, Math.Min(length, LocationBits));
        }
    }

    /// <summary>The key persistence remembers a client by: its subnet as given, else the resolver address.</summary>
    public ClientGroup PersistenceKey => ClientGroup.Of(Location, LocationBits);
}
