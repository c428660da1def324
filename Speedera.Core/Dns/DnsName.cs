using System.Text;

namespace Speedera.Core.Dns;

/// <summary>
/// Domain names in uncompressed wire form (length-prefixed labels ending with the root label).
/// Reading follows compression pointers only backwards, so a pointer loop cannot occur.
/// </summary>
public static class DnsName
{
    /// <summary>
    /// Reads a possibly compressed name at <paramref name="offset"/> into <paramref name="destination"/>
    /// (uncompressed, case kept). <paramref name="next"/> is the offset after the name in the message.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out int nameLength, out int next)
    {
        nameLength = 0;
        next = -1;
        int pos = offset;
        // RFC 1035 §4.1.4: a pointer refers to a prior occurrence; each jump must go strictly lower.
        int jumpLimit = offset;
        int written = 0;
        while (true)
        {
            if ((uint)pos >= (uint)message.Length)
            {
                return false;
            }

            byte len = message[pos];
            switch (len & 0xC0)
            {
                case 0xC0:
                    if (pos + 1 >= message.Length)
                    {
                        return false;
                    }

                    int target = ((len & 0x3F) << 8) | message[pos + 1];
                    if (target >= jumpLimit)
                    {
                        return false;
                    }

                    if (next < 0)
                    {
                        next = pos + 2;
                    }

                    jumpLimit = target;
                    pos = target;
                    continue;
                case 0x00:
                    break;
                default:
                    // RFC 6891 §5: extended label types are deprecated; 0x40/0x80 are not names we accept.
                    return false;
            }

            if (len == 0)
            {
                if (written + 1 > DnsLimits.MaxNameLength || written >= destination.Length)
                {
                    return false;
                }

                destination[written++] = 0;
                if (next < 0)
                {
                    next = pos + 1;
                }

                nameLength = written;
                return true;
            }

            if (pos + 1 + len > message.Length || written + 1 + len + 1 > DnsLimits.MaxNameLength
                || written + 1 + len >= destination.Length)
            {
                return false;
            }

            message.Slice(pos, 1 + len).CopyTo(destination[written..]);
            written += 1 + len;
            pos += 1 + len;
        }
    }

    /// <summary>Skips a name in a message without copying it (same rules as <see cref="TryRead"/>).</summary>
    public static bool TrySkip(ReadOnlySpan<byte> message, int offset, out int next)
    {
        Span<byte> scratch = stackalloc byte[DnsLimits.MaxNameLength + 1];
        return TryRead(message, offset, scratch, out _, out next);
    }

    /// <summary>Encodes a dotted name ("www.example.com", trailing dot optional) as lower-case wire form.</summary>
    public static byte[] Encode(string dotted)
    {
        Span<byte> buffer = stackalloc byte[DnsLimits.MaxNameLength + 1];
        if (!TryEncode(dotted, buffer, out int length))
        {
            throw new FormatException($"'{dotted}' is not a valid domain name.");
        }

        return buffer[..length].ToArray();
    }

    public static bool TryEncode(string dotted, Span<byte> destination, out int length)
    {
        length = 0;
        string name = dotted.EndsWith('.') ? dotted[..^1] : dotted;
        int pos = 0;
        if (name.Length > 0)
        {
            foreach (var label in name.Split('.'))
            {
                if (label.Length == 0 || label.Length > DnsLimits.MaxLabelLength || pos + 1 + label.Length + 1 > Math.Min(destination.Length, DnsLimits.MaxNameLength))
                {
                    return false;
                }

                destination[pos++] = (byte)label.Length;
                foreach (char c in label)
                {
                    if (c > 0x7E || c < 0x21)
                    {
                        return false;
                    }

                    destination[pos++] = (byte)char.ToLowerInvariant(c);
                }
            }
        }

        if (pos >= destination.Length)
        {
            return false;
        }

        destination[pos++] = 0;
        length = pos;
        return true;
    }

    /// <summary>
    /// Writes the name as lower-case dotted text without the trailing dot ("" for the root). Octets no
    /// configured name can hold (dots inside a label, non-printables) become U+0001, so such a name
    /// still finds its zone but never a node in it. <paramref name="destination"/> needs 255 chars.
    /// </summary>
    public static int ToLowerText(ReadOnlySpan<byte> wire, Span<char> destination)
    {
        int written = 0;
        int pos = 0;
        while (pos < wire.Length)
        {
            int len = wire[pos++];
            if (len == 0)
            {
                break;
            }

            if (written > 0)
            {
                destination[written++] = '.';
            }

            for (int i = 0; i < len; i++)
            {
                byte b = wire[pos + i];
                destination[written++] = b <= 0x20 || b > 0x7E || b == (byte)'.'
                    ? '\u0001'
                    : (char)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b);
            }

            pos += len;
        }

        return written;
    }

    /// <summary>Case-insensitive (ASCII) equality of two uncompressed wire names (RFC 4343).</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (ToLower(a[i]) != ToLower(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static string ToText(ReadOnlySpan<byte> wire)
    {
        var sb = new StringBuilder();
        int pos = 0;
        while (pos < wire.Length && wire[pos] != 0)
        {
            int len = wire[pos++];
            sb.Append(Encoding.ASCII.GetString(wire.Slice(pos, len))).Append('.');
            pos += len;
        }

        return sb.Length == 0 ? "." : sb.ToString();
    }

    internal static byte ToLower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
}
