using System.Text;
using Speedera.Core.PageCheck;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// HPACK (RFC 7541) for the agent's HTTP/2 client: requests are encoded as literals without indexing (RFC 7541 §6.2.2,
/// nothing for a server to keep), responses are decoded with the static and dynamic tables and Huffman strings.
/// </summary>
internal static class Hpack
{
    /// <summary>RFC 7541 Appendix A.</summary>
    private static readonly (string Name, string Value)[] StaticTable =
    [
        (":authority", ""), (":method", "GET"), (":method", "POST"), (":path", "/"), (":path", "/index.html"),
        (":scheme", "http"), (":scheme", "https"), (":status", "200"), (":status", "204"), (":status", "206"),
        (":status", "304"), (":status", "400"), (":status", "404"), (":status", "500"), ("accept-charset", ""),
        ("accept-encoding", "gzip, deflate"), ("accept-language", ""), ("accept-ranges", ""), ("accept", ""),
        ("access-control-allow-origin", ""), ("age", ""), ("allow", ""), ("authorization", ""), ("cache-control", ""),
        ("content-disposition", ""), ("content-encoding", ""), ("content-language", ""), ("content-length", ""),
        ("content-location", ""), ("content-range", ""), ("content-type", ""), ("cookie", ""), ("date", ""),
        ("etag", ""), ("expect", ""), ("expires", ""), ("from", ""), ("host", ""), ("if-match", ""),
        ("if-modified-since", ""), ("if-none-match", ""), ("if-range", ""), ("if-unmodified-since", ""),
        ("last-modified", ""), ("link", ""), ("location", ""), ("max-forwards", ""), ("proxy-authenticate", ""),
        ("proxy-authorization", ""), ("range", ""), ("referer", ""), ("refresh", ""), ("retry-after", ""),
        ("server", ""), ("set-cookie", ""), ("strict-transport-security", ""), ("transfer-encoding", ""),
        ("user-agent", ""), ("vary", ""), ("via", ""), ("www-authenticate", ""),
    ];

    /// <summary>Code lengths of RFC 7541 Appendix B, symbols 0..256 (EOS). The code is canonical, so lengths define it.</summary>
    private static readonly byte[] HuffmanLengths = [13,23,28,28,28,28,28,28,28,24,30,28,28,30,28,28,28,28,28,28,28,28,30,28,28,28,28,28,28,28,28,28,6,10,10,12,13,6,8,11,10,10,8,11,8,6,6,6,5,5,5,6,6,6,6,6,6,6,7,8,15,6,12,10,13,6,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,8,7,8,13,19,13,14,6,15,5,6,5,6,5,6,6,6,5,7,7,6,6,6,5,6,7,6,5,5,6,7,7,7,7,7,15,11,14,13,28,20,22,20,20,22,22,22,23,22,23,23,23,23,23,24,23,24,24,22,23,24,23,23,23,23,21,22,23,22,23,23,24,22,21,20,22,22,23,23,21,23,22,22,24,21,22,23,23,21,21,22,21,23,22,23,23,20,22,22,22,23,22,22,23,26,26,20,19,22,23,22,25,26,26,26,27,27,26,24,25,19,21,26,27,27,26,27,24,21,21,26,26,28,27,27,27,20,24,20,21,22,21,21,23,22,22,25,25,24,24,26,23,26,27,26,26,27,27,27,27,27,28,27,27,27,27,27,26,30];

    private static readonly int[] SymbolsByCode = [.. Enumerable.Range(0, 257).OrderBy(s => HuffmanLengths[s]).ThenBy(s => s)];
    private static readonly (int FirstCode, int FirstIndex, int Count)[] ByLength = BuildCanonical();

    private static (int, int, int)[] BuildCanonical()
    {
        var table = new (int, int, int)[31];
        int code = 0, index = 0;
        for (var length = 1; length <= 30; length++)
        {
            var count = HuffmanLengths.Count(l => l == length);
            table[length] = (code, index, count);
            code = (code + count) << 1;
            index += count;
        }

        return table;
    }

    /// <summary>A header block of literal fields without indexing, names in lower case (RFC 9113 §8.2.1).</summary>
    public static byte[] Encode(IEnumerable<HeaderPair> headers)
    {
        var output = new List<byte>(256);
        foreach (var h in headers)
        {
            output.Add(0x00);
            WriteString(output, h.Name.ToLowerInvariant());
            WriteString(output, h.Value);
        }

        return [.. output];
    }

    private static void WriteString(List<byte> output, string s)
    {
        var bytes = Encoding.Latin1.GetBytes(s);
        WriteInteger(output, 0x00, 7, bytes.Length);
        output.AddRange(bytes);
    }

    /// <summary>RFC 7541 §5.1.</summary>
    private static void WriteInteger(List<byte> output, byte flags, int prefixBits, int value)
    {
        var max = (1 << prefixBits) - 1;
        if (value < max)
        {
            output.Add((byte)(flags | value));
            return;
        }

        output.Add((byte)(flags | max));
        value -= max;
        while (value >= 128)
        {
            output.Add((byte)((value & 0x7f) | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }

    /// <summary>The decoding side of one connection: its dynamic table lives as long as the connection.</summary>
    public sealed class Decoder
    {
        private readonly LinkedList<(string Name, string Value)> _dynamic = new();
        private int _size;
        private int _maxSize = 4096;

        public List<HeaderPair> Decode(ReadOnlySpan<byte> block)
        {
            var headers = new List<HeaderPair>();
            var i = 0;
            while (i < block.Length)
            {
                var b = block[i];
                if ((b & 0x80) != 0)
                {
                    var (name, value) = Get(ReadInteger(block, ref i, 7));
                    headers.Add(new HeaderPair(name, value));
                }
                else if ((b & 0x40) != 0)
                {
                    var header = ReadLiteral(block, ref i, 6);
                    headers.Add(header);
                    Insert(header.Name, header.Value);
                }
                else if ((b & 0x20) != 0)
                {
                    var size = ReadInteger(block, ref i, 5);
                    if (size > 4096)
                    {
                        throw new BadResponseException("HPACK table size update above the advertised 4096.");
                    }

                    _maxSize = size;
                    Evict(0);
                }
                else
                {
                    headers.Add(ReadLiteral(block, ref i, 4));
                }
            }

            return headers;
        }

        private HeaderPair ReadLiteral(ReadOnlySpan<byte> block, ref int i, int prefixBits)
        {
            var index = ReadInteger(block, ref i, prefixBits);
            var name = index == 0 ? ReadString(block, ref i) : Get(index).Name;
            return new HeaderPair(name, ReadString(block, ref i));
        }

        private (string Name, string Value) Get(int index)
        {
            if (index >= 1 && index <= StaticTable.Length)
            {
                return StaticTable[index - 1];
            }

            var d = index - StaticTable.Length - 1;
            if (index < 1 || d >= _dynamic.Count)
            {
                throw new BadResponseException($"HPACK index {index} is outside the tables.");
            }

            return _dynamic.ElementAt(d);
        }

        private void Insert(string name, string value)
        {
            var size = name.Length + value.Length + 32;
            Evict(size);
            if (size <= _maxSize)
            {
                _dynamic.AddFirst((name, value));
                _size += size;
            }
        }

        private void Evict(int room)
        {
            while (_dynamic.Count > 0 && _size + room > _maxSize)
            {
                var last = _dynamic.Last!.Value;
                _size -= last.Name.Length + last.Value.Length + 32;
                _dynamic.RemoveLast();
            }
        }
    }

    private static int ReadInteger(ReadOnlySpan<byte> block, ref int i, int prefixBits)
    {
        var max = (1 << prefixBits) - 1;
        var value = block[i++] & max;
        if (value < max)
        {
            return value;
        }

        for (var shift = 0; ; shift += 7)
        {
            if (i >= block.Length || shift > 28)
            {
                throw new BadResponseException("Bad HPACK integer.");
            }

            var b = block[i++];
            value += (b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    private static string ReadString(ReadOnlySpan<byte> block, ref int i)
    {
        if (i >= block.Length)
        {
            throw new BadResponseException("HPACK string past the end of the block.");
        }

        var huffman = (block[i] & 0x80) != 0;
        var length = ReadInteger(block, ref i, 7);
        if (length > block.Length - i)
        {
            throw new BadResponseException("HPACK string past the end of the block.");
        }

        var raw = block.Slice(i, length);
        i += length;
        return huffman ? HuffmanDecode(raw) : Encoding.Latin1.GetString(raw);
    }

    /// <summary>Canonical Huffman decoding; the last bits must be a prefix of EOS (all ones, fewer than 8).</summary>
    internal static string HuffmanDecode(ReadOnlySpan<byte> data)
    {
        var output = new StringBuilder(data.Length * 8 / 5);
        int code = 0, length = 0;
        var allOnes = true;
        foreach (var b in data)
        {
            for (var bit = 7; bit >= 0; bit--)
            {
                var one = (b >> bit) & 1;
                code = (code << 1) | one;
                allOnes &= one == 1;
                length++;
                var (first, index, count) = ByLength[length];
                if (code - first < count && code >= first)
                {
                    var symbol = SymbolsByCode[index + code - first];
                    if (symbol == 256)
                    {
                        throw new BadResponseException("EOS inside a Huffman string.");
                    }

                    output.Append((char)symbol);
                    code = length = 0;
                    allOnes = true;
                }
                else if (length >= 30)
                {
                    throw new BadResponseException("Bad Huffman code.");
                }
            }
        }

        if (length > 7 || !allOnes)
        {
            throw new BadResponseException("Bad Huffman padding.");
        }

        return output.ToString();
    }
}
