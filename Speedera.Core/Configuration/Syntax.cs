using System.Net;
using System.Net.Sockets;

namespace Speedera.Core.Configuration;

/// <summary>Syntax of names, ids and addresses in the network document, shared by the portal and the API.</summary>
public static class Syntax
{
    /// <summary>Ids: 1-64 characters of a-z, 0-9, '-', '_' or '.'.</summary>
    public static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= Limits.MaxIdLength && id.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.');

    /// <summary>
    /// Lower-case labels of 1-63 characters, 253 in all, no trailing dot (RFC 1035 section 2.3.1).
    /// '_' is allowed for record owners such as <c>_acme-challenge</c>; hostnames use <see cref="IsValidHostname"/>.
    /// </summary>
    public static bool IsValidDnsName(string? name) => IsValidName(name, allowUnderscore: true);

    /// <summary>A host name: LDH labels only (RFC 1123 section 2.1), lower case, no trailing dot.</summary>
    public static bool IsValidHostname(string? name) => IsValidName(name, allowUnderscore: false);

    /// <summary>An LDH label: 1-63 of a-z, 0-9 and '-', not starting or ending with '-'.</summary>
    public static bool IsValidHostLabel(string label) => IsValidLabel(label, allowUnderscore: false);

    /// <summary>
    /// An IPv4 address in canonical dotted-decimal form (no leading zeros, no short forms such as
    /// "10.1", which parsers read differently) or any IPv6 address.
    /// </summary>
    public static bool TryParseAddress(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (string.IsNullOrEmpty(text) || !IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        if (parsed.AddressFamily == AddressFamily.InterNetwork && parsed.ToString() != text)
        {
            return false;
        }

        address = parsed;
        return true;
    }

    /// <summary>An IPv4 address in canonical dotted-decimal form.</summary>
    public static bool IsValidIPv4(string? text) =>
        TryParseAddress(text, out var address) && address.AddressFamily == AddressFamily.InterNetwork;

    private static bool IsValidName(string? name, bool allowUnderscore)
    {
        if (string.IsNullOrEmpty(name) || name.Length > Limits.MaxDnsNameLength)
        {
            return false;
        }

        foreach (var label in name.Split('.'))
        {
            if (!IsValidLabel(label, allowUnderscore))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidLabel(string label, bool allowUnderscore) =>
        label.Length is > 0 and <= Limits.MaxDnsLabelLength
        && label[0] != '-' && label[^1] != '-'
        && label.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' || (allowUnderscore && ch == '_'));
}
