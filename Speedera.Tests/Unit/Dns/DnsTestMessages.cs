using System.Buffers.Binary;
using System.Net;
using Speedera.Core.Dns;

namespace Speedera.Tests.Unit.Dns;

/// <summary>Builds queries and reads responses for the dns tests, independently of the server's writer.</summary>
internal static class DnsTestMessages
{
    public static byte[] Query(string name, DnsRecordType type, ushort id = 0x1234, bool edns = false, ushort payload = 1232,
        string? ecs = null, byte ednsVersion = 0, ushort flags = DnsFlags.RD, bool dnssecOk = false, byte[]? extraOption = null)
    {
        var bytes = new List<byte>();
        void U16(int v) { bytes.Add((byte)(v >> 8)); bytes.Add((byte)v); }
        U16(id);
        U16(flags);
        U16(1);
        U16(0);
        U16(0);
        U16(edns ? 1 : 0);
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(label.Select(c => (byte)c));
        }

        bytes.Add(0);
        U16((int)type);
        U16(1);
        if (edns)
        {
            var options = new List<byte>();
            if (ecs is not null)
            {
                var parts = ecs.Split('/');
                var ip = IPAddress.Parse(parts[0]);
                int prefix = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                var addr = ip.GetAddressBytes().Take((prefix + 7) / 8).ToArray();
                options.AddRange([0, 8, (byte)((4 + addr.Length) >> 8), (byte)(4 + addr.Length), 0, (byte)(addr.Length == 0 && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 1 : ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 1 : 2), (byte)prefix, 0]);
                options.AddRange(addr);
            }

            if (extraOption is not null)
            {
                options.AddRange(extraOption);
            }

            bytes.Add(0);
            U16((int)DnsRecordType.OPT);
            U16(payload);
            bytes.Add(0);
            bytes.Add(ednsVersion);
            U16(dnssecOk ? 0x8000 : 0);
            U16(options.Count);
            bytes.AddRange(options);
        }

        return [.. bytes];
    }

    public static ParsedResponse Read(ReadOnlySpan<byte> message) => ParsedResponse.Parse(message.ToArray());
}

internal sealed record ParsedRecord(string Name, DnsRecordType Type, uint Ttl, byte[] Data, string Text);

internal sealed class ParsedResponse
{
    public ushort Id { get; private init; }

    public ushort Flags { get; private init; }

    public int RCode { get; private set; }

    public string QuestionName { get; private init; } = "";

    public int QuestionCount { get; private init; }

    public List<ParsedRecord> Answers { get; } = [];

    public List<ParsedRecord> Authority { get; } = [];

    public List<ParsedRecord> Additional { get; } = [];

    public ParsedRecord? Opt => Additional.FirstOrDefault(r => r.Type == DnsRecordType.OPT);

    public bool Has(ushort flag) => (Flags & flag) != 0;

    public static ParsedResponse Parse(byte[] m)
    {
        var r = new ParsedResponse
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(m),
            Flags = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(2)),
            QuestionCount = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(4)),
        };
        r.RCode = r.Flags & 0xF;
        int pos = 12;
        string qname = "";
        for (int i = 0; i < r.QuestionCount; i++)
        {
            qname = ReadName(m, ref pos);
            pos += 4;
        }

        r = new ParsedResponse { Id = r.Id, Flags = r.Flags, QuestionCount = r.QuestionCount, QuestionName = qname, RCode = r.RCode };
        int[] counts = [BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(6)), BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(8)), BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(10))];
        List<ParsedRecord>[] sections = [r.Answers, r.Authority, r.Additional];
        for (int s = 0; s < 3; s++)
        {
            for (int i = 0; i < counts[s]; i++)
            {
                var name = ReadName(m, ref pos);
                var type = (DnsRecordType)BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(pos));
                uint ttl = BinaryPrimitives.ReadUInt32BigEndian(m.AsSpan(pos + 4));
                int len = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(pos + 8));
                pos += 10;
                var data = m.AsSpan(pos, len).ToArray();
                string text = type switch
                {
                    DnsRecordType.A or DnsRecordType.AAAA => new IPAddress(data).ToString(),
                    DnsRecordType.NS or DnsRecordType.CNAME or DnsRecordType.SOA => ReadNameAt(m, pos),
                    _ => "",
                };
                if (type == DnsRecordType.OPT)
                {
                    r.RCode |= (int)(ttl >> 24) << 4;
                }

                sections[s].Add(new ParsedRecord(name, type, ttl, data, text));
                pos += len;
            }
        }

        if (pos != m.Length)
        {
            throw new InvalidDataException($"{m.Length - pos} bytes after the last record");
        }

        return r;
    }

    private static string ReadNameAt(byte[] m, int pos) => ReadName(m, ref pos);

    private static string ReadName(byte[] m, ref int pos)
    {
        var labels = new List<string>();
        int p = pos;
        bool jumped = false;
        int wireLength = 1;
        for (int guard = 0; guard < 300; guard++)
        {
            int len = m[p];
            if ((len & 0xC0) == 0xC0)
            {
                int target = ((len & 0x3F) << 8) | m[p + 1];
                if (target >= p)
                {
                    throw new InvalidDataException("forward compression pointer");
                }

                if (!jumped)
                {
                    pos = p + 2;
                }

                jumped = true;
                p = target;
                continue;
            }

            if (len == 0)
            {
                if (!jumped)
                {
                    pos = p + 1;
                }

                return labels.Count == 0 ? "." : string.Join('.', labels) + ".";
            }

            wireLength += 1 + len;
            if (wireLength > 255)
            {
                throw new InvalidDataException("name longer than 255 octets");
            }

            labels.Add(System.Text.Encoding.ASCII.GetString(m, p + 1, len));
            p += 1 + len;
        }

        throw new InvalidDataException("name too long");
    }
}
