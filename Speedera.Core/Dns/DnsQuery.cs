using System.Buffers.Binary;

namespace Speedera.Core.Dns;

public enum DnsParseStatus
{
    /// <summary>A well-formed standard query.</summary>
    Ok,

    /// <summary>Not worth an answer: shorter than a header, or a response (QR set).</summary>
    Drop,

    /// <summary>Malformed: answer FORMERR (question echoed only if <see cref="DnsQuery.HasQuestion"/>).</summary>
    FormErr,

    /// <summary>An opcode other than QUERY: answer NOTIMP.</summary>
    NotImp,

    /// <summary>EDNS version above 0: answer BADVERS (RFC 6891 §6.1.3).</summary>
    BadVers,
}

/// <summary>
/// A parsed query. The question name lives in the caller's name buffer (uncompressed wire form with
/// the client's exact case, so 0x20 randomisation survives into the response).
/// </summary>
public struct DnsQuery
{
    public ushort Id;
    public ushort Flags;
    public byte OpCode;
    public bool HasQuestion;
    public int NameLength;
    public ushort QType;
    public ushort QClass;
    public bool HasEdns;
    public ushort UdpPayloadSize;
    public byte EdnsVersion;
    public bool DnssecOk;
    public bool HasEcs;
    public ushort EcsFamily;
    public byte EcsSourcePrefix;
    public byte EcsScopePrefix;

    /// <summary>ECS address bits: IPv4 in the low 32 bits, IPv6 as 128 bits, both host order.</summary>
    public UInt128 EcsAddress;

    /// <summary>RFC 5001: the query asked for the server's NSID (empty NSID option).</summary>
    public bool NsidRequested;

    /// <summary>RFC 7873: the query carried a COOKIE option (its client cookie is <see cref="ClientCookie"/>).</summary>
    public bool HasCookie;

    /// <summary>The 8-octet client cookie, big-endian as on the wire.</summary>
    public ulong ClientCookie;

    /// <summary>Length of the server cookie the client echoed (0, or 8..32); only 16-octet ones can be ours (RFC 9018).</summary>
    public byte ServerCookieLength;

    /// <summary>First 8 octets of a 16-octet server cookie (version, reserved, timestamp), big-endian.</summary>
    public ulong ServerCookieHead;

    /// <summary>Last 8 octets of a 16-octet server cookie (the hash), big-endian.</summary>
    public ulong ServerCookieHash;

    public readonly bool RecursionDesired => (Flags & DnsFlags.RD) != 0;

    public readonly bool CheckingDisabled => (Flags & DnsFlags.CD) != 0;
}

/// <summary>Parses queries (RFC 1035 §4.1) with EDNS(0) (RFC 6891) and Client Subnet (RFC 7871).</summary>
public static class DnsQueryParser
{
    public static DnsParseStatus Parse(ReadOnlySpan<byte> message, Span<byte> nameBuffer, out DnsQuery query)
    {
        query = default;
        if (message.Length < DnsLimits.HeaderSize)
        {
            return DnsParseStatus.Drop;
        }

        query.Id = BinaryPrimitives.ReadUInt16BigEndian(message);
        query.Flags = BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if ((query.Flags & DnsFlags.QR) != 0)
        {
            return DnsParseStatus.Drop;
        }

        query.OpCode = (byte)((query.Flags & DnsFlags.OpCodeMask) >> DnsFlags.OpCodeShift);
        ushort qd = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        ushort an = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        ushort ns = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        ushort ar = BinaryPrimitives.ReadUInt16BigEndian(message[10..]);

        int pos = DnsLimits.HeaderSize;
        if (qd == 1)
        {
            if (!DnsName.TryRead(message, pos, nameBuffer, out query.NameLength, out pos) || pos + 4 > message.Length)
            {
                return query.OpCode != 0 ? DnsParseStatus.NotImp : DnsParseStatus.FormErr;
            }

            query.QType = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
            query.QClass = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 2)..]);
            pos += 4;
            query.HasQuestion = true;
        }

        if (query.OpCode != 0)
        {
            // RFC 1035 §4.1.1: opcodes other than QUERY (IQUERY, STATUS, NOTIFY, UPDATE) are not implemented here.
            return DnsParseStatus.NotImp;
        }

        // A standard query carries exactly one question (RFC 9619) and no answer or authority records.
        if (qd != 1 || an != 0 || ns != 0)
        {
            // RFC 6891 §7: the FORMERR still carries an OPT if the query had one (QDCOUNT=0 with an OPT, say).
            query.HasEdns = qd == 0 && an == 0 && ns == 0 && ar > 0 && HasOpt(message, pos, ar);
            return DnsParseStatus.FormErr;
        }

        bool sawOpt = false;
        for (int i = 0; i < ar; i++)
        {
            int nameStart = pos;
            if (!DnsName.TrySkip(message, pos, out pos) || pos + 10 > message.Length)
            {
                return DnsParseStatus.FormErr;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
            ushort cls = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 2)..]);
            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(pos + 4)..]);
            ushort rdLength = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
            pos += 10;
            if (pos + rdLength > message.Length)
            {
                return DnsParseStatus.FormErr;
            }

            if (type == (ushort)DnsRecordType.OPT)
            {
                // RFC 6891 §6.1.1: one OPT, owner must be the root; a second one is FORMERR (answered with an OPT, §7).
                query.HasEdns = true;
                if (sawOpt || message[nameStart] != 0)
                {
                    query.HasEcs = false;
                    return DnsParseStatus.FormErr;
                }

                sawOpt = true;
                query.UdpPayloadSize = Math.Max(cls, (ushort)DnsLimits.ClassicUdpPayload);
                query.EdnsVersion = (byte)(ttl >> 16);
                query.DnssecOk = (ttl & 0x8000) != 0;
                if (!TryParseOptions(message.Slice(pos, rdLength), ref query))
                {
                    // Nothing of a malformed OPT is echoed; the FORMERR carries a plain OPT.
                    query.HasEcs = false;
                    query.HasCookie = false;
                    query.NsidRequested = false;
                    return DnsParseStatus.FormErr;
                }
            }

            pos += rdLength;
        }

        if (pos != message.Length)
        {
            // Trailing garbage: tolerated by many servers, but a count mismatch is a malformed message.
            return DnsParseStatus.FormErr;
        }

        if (query.HasEdns && query.EdnsVersion > 0)
        {
            return DnsParseStatus.BadVers;
        }

        return DnsParseStatus.Ok;
    }

    private static bool TryParseOptions(ReadOnlySpan<byte> rdata, ref DnsQuery query)
    {
        int pos = 0;
        while (pos < rdata.Length)
        {
            if (pos + 4 > rdata.Length)
            {
                return false;
            }

            ushort code = BinaryPrimitives.ReadUInt16BigEndian(rdata[pos..]);
            ushort length = BinaryPrimitives.ReadUInt16BigEndian(rdata[(pos + 2)..]);
            pos += 4;
            if (pos + length > rdata.Length)
            {
                return false;
            }

            // RFC 6891 §6.1.2: options we do not know are ignored.
            if (code == DnsLimits.EcsOptionCode)
            {
                if (query.HasEcs || !TryParseEcs(rdata.Slice(pos, length), ref query))
                {
                    return false;
                }
            }
            else if (code == DnsLimits.NsidOptionCode)
            {
                // RFC 5001 §2.3: a request carries an empty NSID option.
                query.NsidRequested = true;
            }
            else if (code == DnsLimits.CookieOptionCode)
            {
                if (query.HasCookie || !TryParseCookie(rdata.Slice(pos, length), ref query))
                {
                    return false;
                }
            }

            pos += length;
        }

        return true;
    }

    /// <summary>RFC 7873 §5.2.2: a client cookie of 8 octets, optionally followed by a server cookie of 8 to 32; any other length is FORMERR.</summary>
    private static bool TryParseCookie(ReadOnlySpan<byte> option, ref DnsQuery query)
    {
        if (option.Length != 8 && (option.Length < 16 || option.Length > 40))
        {
            return false;
        }

        query.HasCookie = true;
        query.ClientCookie = BinaryPrimitives.ReadUInt64BigEndian(option);
        query.ServerCookieLength = (byte)(option.Length - 8);
        if (option.Length == 24)
        {
            query.ServerCookieHead = BinaryPrimitives.ReadUInt64BigEndian(option[8..]);
            query.ServerCookieHash = BinaryPrimitives.ReadUInt64BigEndian(option[16..]);
        }

        return true;
    }

    /// <summary>Whether the additional section (after a question we may not have parsed) holds an OPT record.</summary>
    private static bool HasOpt(ReadOnlySpan<byte> message, int pos, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (!DnsName.TrySkip(message, pos, out pos) || pos + 10 > message.Length)
            {
                return false;
            }

            if (BinaryPrimitives.ReadUInt16BigEndian(message[pos..]) == (ushort)DnsRecordType.OPT)
            {
                return true;
            }

            pos += 10 + BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
        }

        return false;
    }

    /// <summary>RFC 7871 §6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, ADDRESS truncated to the prefix.</summary>
    private static bool TryParseEcs(ReadOnlySpan<byte> option, ref DnsQuery query)
    {
        if (option.Length < 4)
        {
            return false;
        }

        ushort family = BinaryPrimitives.ReadUInt16BigEndian(option);
        byte source = option[2];
        byte scope = option[3];
        int maxBits = family switch { 1 => 32, 2 => 128, _ => -1 };
        // RFC 7871 §7.1.1: unknown family, too long a prefix or a non-zero scope in a query is FORMERR.
        if (maxBits < 0 || source > maxBits || scope != 0)
        {
            return false;
        }

        var address = option[4..];
        int expectedBytes = (source + 7) / 8;
        if (address.Length != expectedBytes)
        {
            return false;
        }

        Span<byte> full = stackalloc byte[16];
        full.Clear();
        address.CopyTo(full);
        if (expectedBytes > 0 && source % 8 != 0)
        {
            // RFC 7871 §6: bits beyond the source prefix must be zero.
            byte mask = (byte)(0xFF >> (source % 8));
            if ((address[expectedBytes - 1] & mask) != 0)
            {
                return false;
            }
        }

        query.HasEcs = true;
        query.EcsFamily = family;
        query.EcsSourcePrefix = source;
        query.EcsScopePrefix = scope;
        query.EcsAddress = family == 1
            ? BinaryPrimitives.ReadUInt32BigEndian(full)
            : BinaryPrimitives.ReadUInt128BigEndian(full);
        return true;
    }
}
