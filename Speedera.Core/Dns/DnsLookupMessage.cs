using System.Buffers.Binary;

namespace Speedera.Core.Dns;

/// <summary>One resource record of a response, with name-valued data (CNAME, NS) decompressed to text.</summary>
public sealed record DnsAnswer(string Name, DnsRecordType Type, uint Ttl, string Data);

/// <summary>
/// The client side of the wire format, for lookups the control plane makes (verifying that a
/// customer's CNAME or NS records point at us): build a query, read the answer and authority records.
/// </summary>
public static class DnsLookupMessage
{
    /// <summary>Writes a recursive query (RD set) for <paramref name="name"/>; returns its length.</summary>
    public static int WriteQuery(Span<byte> buffer, ushort id, string name, DnsRecordType type)
    {
        // RFC 1035 §4.1.1: header; RD asks the resolver to recurse.
        BinaryPrimitives.WriteUInt16BigEndian(buffer, id);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 0x0100);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], 1);
        buffer[6..12].Clear();
        if (!DnsName.TryEncode(name, buffer[12..], out var nameLength))
        {
            throw new FormatException($"'{name}' is not a valid domain name.");
        }

        var pos = 12 + nameLength;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[pos..], (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(pos + 2)..], (ushort)DnsClass.IN);
        return pos + 4;
    }

    /// <summary>
    /// Reads a response to the query with <paramref name="id"/>: its RCODE and the answer and
    /// authority records. False when the message is malformed or answers another query.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, ushort id, out int rcode, out List<DnsAnswer> records)
    {
        rcode = 0;
        records = [];
        if (message.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(message) != id || (message[2] & 0x80) == 0)
        {
            return false;
        }

        rcode = message[3] & 0x0F;
        int questions = BinaryPrimitives.ReadUInt16BigEndian(message[4..]);
        int answers = BinaryPrimitives.ReadUInt16BigEndian(message[6..]);
        int authority = BinaryPrimitives.ReadUInt16BigEndian(message[8..]);
        var pos = 12;
        for (var i = 0; i < questions; i++)
        {
            if (!DnsName.TrySkip(message, pos, out pos) || pos + 4 > message.Length)
            {
                return false;
            }

            pos += 4;
        }

        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength + 1];
        Span<byte> target = stackalloc byte[DnsLimits.MaxNameLength + 1];
        for (var i = 0; i < answers + authority; i++)
        {
            if (!DnsName.TryRead(message, pos, name, out var nameLength, out pos) || pos + 10 > message.Length)
            {
                return false;
            }

            var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(message[pos..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(pos + 4)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(pos + 8)..]);
            var data = pos + 10;
            if (data + length > message.Length)
            {
                return false;
            }

            string text;
            switch (type)
            {
                case DnsRecordType.CNAME or DnsRecordType.NS:
                    if (!DnsName.TryRead(message, data, target, out var targetLength, out _))
                    {
                        return false;
                    }

                    text = DnsName.ToText(target[..targetLength]);
                    break;
                case DnsRecordType.A when length == 4:
                    text = new System.Net.IPAddress(message.Slice(data, 4)).ToString();
                    break;
                case DnsRecordType.AAAA when length == 16:
                    text = new System.Net.IPAddress(message.Slice(data, 16)).ToString();
                    break;
                default:
                    text = Convert.ToHexString(message.Slice(data, length));
                    break;
            }

            records.Add(new DnsAnswer(DnsName.ToText(name[..nameLength]), type, ttl, text));
            pos = data + length;
        }

        return true;
    }
}
