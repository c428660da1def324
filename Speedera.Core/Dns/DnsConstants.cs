namespace Speedera.Core.Dns;

/// <summary>Resource record types we read or write (RFC 1035 §3.2.2, RFC 3596, RFC 6891, RFC 8482).</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    HINFO = 13,
    TXT = 16,
    AAAA = 28,
    OPT = 41,
    IXFR = 251,
    AXFR = 252,
    ANY = 255,
}

public enum DnsClass : ushort
{
    IN = 1,
    CH = 3,
    ANY = 255,
}

public enum DnsOpCode : byte
{
    Query = 0,
}

/// <summary>Response codes; values above 15 need the OPT record's extended bits (RFC 6891 §6.1.3).</summary>
public enum DnsResponseCode : ushort
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    BadVers = 16,

    /// <summary>RFC 7873 §8: a server cookie was required and missing or wrong.</summary>
    BadCookie = 23,
}

/// <summary>Header flag bits (RFC 1035 §4.1.1).</summary>
public static class DnsFlags
{
    public const ushort QR = 0x8000;
    public const ushort AA = 0x0400;
    public const ushort TC = 0x0200;
    public const ushort RD = 0x0100;
    public const ushort RA = 0x0080;
    public const ushort AD = 0x0020;
    public const ushort CD = 0x0010;
    public const int OpCodeShift = 11;
    public const ushort OpCodeMask = 0x7800;
    public const ushort RCodeMask = 0x000F;
}

public static class DnsLimits
{
    public const int HeaderSize = 12;

    /// <summary>RFC 1035 §2.3.4: names are at most 255 octets on the wire.</summary>
    public const int MaxNameLength = 255;

    /// <summary>RFC 1035 §2.3.4: labels are at most 63 octets.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>RFC 1035 §4.2.1: UDP messages without EDNS are at most 512 octets.</summary>
    public const int ClassicUdpPayload = 512;

    /// <summary>The buffer size we advertise in OPT (DNS Flag Day 2020).</summary>
    public const int AdvertisedUdpPayload = 1232;

    /// <summary>RFC 7871 §6: EDNS Client Subnet option code.</summary>
    public const ushort EcsOptionCode = 8;

    /// <summary>RFC 5001 §2.3: Name Server Identifier option code.</summary>
    public const ushort NsidOptionCode = 3;

    /// <summary>RFC 7873 §4: DNS COOKIE option code.</summary>
    public const ushort CookieOptionCode = 10;

    /// <summary>RFC 1035 §4.2.2: TCP messages carry a two-octet length.</summary>
    public const int MaxTcpMessage = 65535;
}
