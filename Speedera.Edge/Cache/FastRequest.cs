using System.Buffers;
using System.Text;

namespace Speedera.Edge.Cache;

/// <summary>
/// A request head the connection-level hit path (<see cref="FastHitServer"/>) may answer, and its parser: its parts
/// point into the connection's read buffer.
/// </summary>
internal readonly ref struct FastRequest
{
    /// <summary>A request head longer than this goes to Kestrel (its own limit is 32 KB).</summary>
    private const int HeadLimit = 8 * 1024;

    // RFC 3986 characters of an origin-form target, without '%' (Kestrel decodes and checks percent-encoding) and
    // without '#'.
    private static readonly SearchValues<byte> TargetBytes = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?"u8);

    // RFC 9110 §5.6.2 token characters (field names).
    internal static readonly SearchValues<byte> TokenBytes = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~"u8);

    // Field values the fast path accepts: visible ASCII, space and tab (no obs-text, no control bytes).
    internal static readonly SearchValues<byte> ValueBytes = SearchValues.Create(
        " \t!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"u8);

    // Host: a registered name or IPv4 address with an optional port, or a bracketed IPv6 literal.
    private static readonly SearchValues<byte> HostBytes = SearchValues.Create(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.:[]"u8);

    public bool IsHead { get; init; }

    public ReadOnlySpan<byte> Target { get; init; }

    public ReadOnlySpan<byte> Host { get; init; }

    public ReadOnlySpan<byte> UserAgent { get; init; }

    public ReadOnlySpan<byte> Referer { get; init; }

    /// <summary>Bytes of the head, through the empty line.</summary>
    public int Length { get; init; }

    /// <summary>
    /// Parses one complete request head at the start of <paramref name="data"/>; false when it is incomplete or
    /// anything but a plain GET/HEAD whose answer cannot depend on its fields.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out FastRequest request)
    {
        request = default;
        var window = data.Length > HeadLimit ? data[..HeadLimit] : data;
        int end = window.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return false;
        }

        var head = data[..(end + 2)];
        int lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        bool isHead;
        if (line.StartsWith("GET "u8))
        {
            isHead = false;
            line = line[4..];
        }
        else if (line.StartsWith("HEAD "u8))
        {
            isHead = true;
            line = line[5..];
        }
        else
        {
            return false;
        }

        if (!line.EndsWith(" HTTP/1.1"u8))
        {
            return false;
        }

        // Origin-form only, and no dot segments (Kestrel normalizes those, and /.speedera/ is the cache's own).
        var target = line[..^9];
        if (target.IsEmpty || target[0] != '/' || target.ContainsAnyExcept(TargetBytes) || target.IndexOf("/."u8) >= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> host = default, userAgent = default, referer = default;
        bool hostSeen = false;
        var rest = head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            int eol = rest.IndexOf("\r\n"u8);
            var field = rest[..eol];
            rest = rest[(eol + 2)..];
            int colon = field.IndexOf((byte)':');
            if (colon <= 0)
            {
                return false;
            }

            // A name of token characters only: also refuses obs-fold (a line starting with a space) and a space
            // before the colon (RFC 9112 §5.1).
            var name = field[..colon];
            var value = field[(colon + 1)..].Trim(" \t"u8);
            if (name.ContainsAnyExcept(TokenBytes) || value.ContainsAnyExcept(ValueBytes))
            {
                return false;
            }

            switch (Classify(name))
            {
                case Field.Host:
                    if (hostSeen || value.IsEmpty || value.Length > 255 || value.ContainsAnyExcept(HostBytes))
                    {
                        return false;
                    }

                    hostSeen = true;
                    host = value;
                    break;
                case Field.Connection:
                    if (!Ascii.EqualsIgnoreCase(value, "keep-alive"u8))
                    {
                        return false;
                    }

                    break;
                case Field.UserAgent:
                    userAgent = value;
                    break;
                case Field.Referer:
                    referer = value;
                    break;
                case Field.Harmless:
                    break;
                default:
                    return false;
            }
        }

        if (!hostSeen)
        {
            return false;
        }

        request = new FastRequest
        {
            IsHead = isHead,
            Target = target,
            Host = host,
            UserAgent = userAgent,
            Referer = referer,
            Length = end + 4,
        };
        return true;
    }

    private enum Field
    {
        Other,
        Host,
        Connection,
        UserAgent,
        Referer,
        Harmless,
    }

    /// <summary>
    /// Fields that cannot change a stored answer without Vary: the ones browsers and load tools send on every
    /// request. Anything else (validators, Range, Cache-Control, Pragma, credentials, a body) is Kestrel's.
    /// </summary>
    private static Field Classify(ReadOnlySpan<byte> name)
    {
        if (Ascii.EqualsIgnoreCase(name, "Host"u8)) return Field.Host;
        if (Ascii.EqualsIgnoreCase(name, "Connection"u8)) return Field.Connection;
        if (Ascii.EqualsIgnoreCase(name, "User-Agent"u8)) return Field.UserAgent;
        if (Ascii.EqualsIgnoreCase(name, "Referer"u8)) return Field.Referer;
        if (Ascii.EqualsIgnoreCase(name, "Accept"u8) ||
            Ascii.EqualsIgnoreCase(name, "Accept-Encoding"u8) ||
            Ascii.EqualsIgnoreCase(name, "Accept-Language"u8) ||
            Ascii.EqualsIgnoreCase(name, "DNT"u8) ||
            Ascii.EqualsIgnoreCase(name, "Upgrade-Insecure-Requests"u8) ||
            Ascii.EqualsIgnoreCase(name, "Priority"u8) ||
            name.StartsWith("Sec-Fetch-"u8) ||
            name.StartsWith("sec-fetch-"u8) ||
            name.StartsWith("Sec-CH-UA"u8) ||
            name.StartsWith("sec-ch-ua"u8))
        {
            return Field.Harmless;
        }

        return Field.Other;
    }
}
