using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Speedera.Core.Configuration;

namespace Speedera.Core.Security;

/// <summary>What kind of address a target is, as far as the guard is concerned.</summary>
public enum AddressCategory
{
    Public,
    Loopback,
    Unspecified,
    ThisNetwork,
    LinkLocal,
    Private,
    SiteLocal,
    UniqueLocal,
    SharedAddressSpace,
    ProtocolAssignments,
    Documentation,
    Benchmarking,
    Multicast,
    Broadcast,
    Reserved,
    Infrastructure,
}

/// <summary>The guard's answer for one address: allowed, or refused with a sentence a customer can read.</summary>
public readonly record struct TargetDecision(bool Allowed, AddressCategory Category, string? Reason)
{
    public static TargetDecision Allow(AddressCategory category) => new(true, category, null);
}

/// <summary>
/// The one guard every customer-given network target passes: GTM addresses (service probes), CDN origins
/// (caches), page-check URLs and webhook URLs, at validation and again at connect time (a name can resolve
/// to anything later). It refuses addresses a customer cannot have got from the public internet, and the
/// addresses of our own infrastructure (control plane, edge nodes, POP servers). Its ranges are listed
/// once, below.
/// </summary>
/// <remarks>
/// <see cref="AllowPrivateTargets"/> (the loopback demo network and test fixtures only) lets loopback,
/// private, unique-local, site-local, shared, documentation and benchmarking addresses through, including
/// infrastructure addresses in those ranges: on loopback the portal, the edge and the demo origins share
/// 127.0.0.0/8. Link-local (cloud metadata at 169.254.169.254), unspecified, multicast, broadcast and
/// reserved addresses, and public infrastructure addresses, are refused whatever the setting.
/// </remarks>
public sealed class NetworkTargetGuard
{
    private readonly HashSet<IPAddress> _infrastructure;

    public NetworkTargetGuard(bool allowPrivateTargets, IEnumerable<IPAddress>? infrastructure = null)
    {
        AllowPrivateTargets = allowPrivateTargets;
        _infrastructure = [.. (infrastructure ?? []).Select(Normalize)];
    }

    /// <summary>Production rules, no infrastructure list: what a validator uses when it knows nothing more.</summary>
    public static NetworkTargetGuard Strict { get; } = new(false);

    public bool AllowPrivateTargets { get; }

    public IReadOnlyCollection<IPAddress> Infrastructure => _infrastructure;

    /// <summary>Equal for guards that decide alike: connections made under one guard are kept only while it stays in force.</summary>
    public string Fingerprint => field ??= (AllowPrivateTargets ? "private;" : "strict;") + string.Join(",", _infrastructure.Select(a => a.ToString()).Order(StringComparer.Ordinal));

    /// <summary>
    /// The guard an edge node applies under one configuration: its <see cref="NetworkConfiguration.AllowPrivateTargets"/>
    /// and, as infrastructure, every Speedera server, every node endpoint, the name servers' glue and the
    /// document's own <see cref="NetworkConfiguration.InfrastructureAddresses"/> (the control plane).
    /// </summary>
    public static NetworkTargetGuard For(NetworkConfiguration? configuration)
    {
        if (configuration is null)
        {
            return Strict;
        }

        var addresses = new List<IPAddress>();
        void Add(string? text)
        {
            if (text is null)
            {
                return;
            }

            if (IPAddress.TryParse(text, out var ip) || (IPEndPoint.TryParse(text, out var ep) && (ip = ep.Address) is not null))
            {
                addresses.Add(ip);
            }
        }

        foreach (var server in configuration.Servers.Where(s => s.Kind == ServerKind.Edge))
        {
            Add(server.Address);
        }

        foreach (var node in configuration.Nodes)
        {
            Add(node.DnsEndpoint);
            Add(node.MetricsEndpoint);
            Add(node.CacheEndpoint);
            Add(node.LoadPEndpoint);
        }

        foreach (var glue in configuration.Zones.SelectMany(z => z.NameServers).SelectMany(ns => ns.Addresses))
        {
            Add(glue);
        }

        foreach (var extra in configuration.InfrastructureAddresses)
        {
            Add(extra);
        }

        return new NetworkTargetGuard(configuration.AllowPrivateTargets, addresses);
    }

    /// <summary>Decides whether a connection to <paramref name="address"/> may be made on a customer's behalf.</summary>
    public TargetDecision Check(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var normalized = Normalize(address);
        var (category, embedded) = ClassifyWithEmbedded(normalized);
        var shown = address.ToString();
        var subject = embedded is null ? shown : $"{shown} embeds {embedded}, which";
        if (category != AddressCategory.Public && !(AllowPrivateTargets && IsAllowedWhenPrivateTargetsAllowed(category)))
        {
            return new TargetDecision(false, category, $"{subject} is {Describe(category)}.");
        }

        // Private-range infrastructure got here only with AllowPrivateTargets (the loopback demo); public infrastructure never passes.
        if (category == AddressCategory.Public && (_infrastructure.Contains(normalized) || (embedded is not null && _infrastructure.Contains(embedded))))
        {
            return new TargetDecision(false, AddressCategory.Infrastructure, $"{subject} is {Describe(AddressCategory.Infrastructure)}.");
        }

        return TargetDecision.Allow(category);
    }

    /// <summary>Checks a literal address; names are checked where they are resolved (at connect time).</summary>
    public TargetDecision Check(string addressText) =>
        IPAddress.TryParse(addressText.Trim().Trim('[', ']'), out var ip)
            ? Check(ip)
            : new TargetDecision(false, AddressCategory.Reserved, $"\"{addressText}\" is not an IP address.");

    public static bool IsAllowedWhenPrivateTargetsAllowed(AddressCategory category) => category is
        AddressCategory.Loopback or AddressCategory.Private or AddressCategory.SiteLocal or AddressCategory.UniqueLocal or
        AddressCategory.SharedAddressSpace or AddressCategory.Documentation or AddressCategory.Benchmarking;

    /// <summary>The category of an address, looking through IPv4-mapped, NAT64, 6to4 and Teredo forms.</summary>
    public static AddressCategory Classify(IPAddress address) => ClassifyWithEmbedded(Normalize(address)).Category;

    private static (AddressCategory Category, IPAddress? Embedded) ClassifyWithEmbedded(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return (ClassifyV4(address), null);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return (AddressCategory.Reserved, null);
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if (EmbeddedV4(b) is { } v4)
        {
            return (ClassifyV4(v4), v4);
        }

        return (ClassifyV6(b), null);
    }

    // IPv4 ranges: RFC 6890 special-purpose registry, RFC 1918, RFC 6598, RFC 5737, RFC 2544, RFC 5771, RFC 1112.
    private static readonly (uint Prefix, int Length, AddressCategory Category)[] V4Ranges =
    [
        (0xFFFFFFFF, 32, AddressCategory.Broadcast),          // 255.255.255.255/32
        (0x00000000, 8, AddressCategory.ThisNetwork),         // 0.0.0.0/8 (0.0.0.0 itself: unspecified, below)
        (0x0A000000, 8, AddressCategory.Private),             // 10.0.0.0/8
        (0x64400000, 10, AddressCategory.SharedAddressSpace), // 100.64.0.0/10
        (0x7F000000, 8, AddressCategory.Loopback),            // 127.0.0.0/8
        (0xA9FE0000, 16, AddressCategory.LinkLocal),          // 169.254.0.0/16
        (0xAC100000, 12, AddressCategory.Private),            // 172.16.0.0/12
        (0xC0000000, 24, AddressCategory.ProtocolAssignments),// 192.0.0.0/24
        (0xC0000200, 24, AddressCategory.Documentation),      // 192.0.2.0/24 TEST-NET-1
        (0xC0586300, 24, AddressCategory.Reserved),           // 192.88.99.0/24 6to4 relay anycast (deprecated)
        (0xC0A80000, 16, AddressCategory.Private),            // 192.168.0.0/16
        (0xC6120000, 15, AddressCategory.Benchmarking),       // 198.18.0.0/15
        (0xC6336400, 24, AddressCategory.Documentation),      // 198.51.100.0/24 TEST-NET-2
        (0xCB007100, 24, AddressCategory.Documentation),      // 203.0.113.0/24 TEST-NET-3
        (0xE0000000, 4, AddressCategory.Multicast),           // 224.0.0.0/4
        (0xF0000000, 4, AddressCategory.Reserved),            // 240.0.0.0/4
    ];

    private static AddressCategory ClassifyV4(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        var value = BinaryPrimitives.ReadUInt32BigEndian(b);
        if (value == 0)
        {
            return AddressCategory.Unspecified;
        }

        foreach (var (prefix, length, category) in V4Ranges)
        {
            var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
            if ((value & mask) == prefix)
            {
                return category;
            }
        }

        return AddressCategory.Public;
    }

    /// <summary>
    /// The IPv4 address carried inside an IPv6 one that reaches it: IPv4-mapped ::ffff:0:0/96 (RFC 4291 §2.5.5.2),
    /// NAT64 64:ff9b::/96 (RFC 6052) and 64:ff9b:1::/48 (RFC 8215), 6to4 2002::/16
    /// (RFC 3056), Teredo 2001::/32 (RFC 4380: the client address is stored inverted in the last 32 bits).
    /// </summary>
    private static IPAddress? EmbeddedV4(ReadOnlySpan<byte> b)
    {
        var zero80 = b[..10].IndexOfAnyExcept((byte)0) < 0;
        if (zero80 && b[10] == 0xFF && b[11] == 0xFF)
        {
            return new IPAddress(b[12..]);
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B)
        {
            if (b[4..12].IndexOfAnyExcept((byte)0) < 0)
            {
                return new IPAddress(b[12..]);
            }

            if (b[4] == 0 && b[5] == 1)
            {
                // RFC 6052 §2.2: with a /48 prefix the address sits in bits 48-63 and 72-87 around the u octet.
                return new IPAddress(new[] { b[6], b[7], b[9], b[10] });
            }
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return new IPAddress(b[2..6]);
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
        {
            Span<byte> client = stackalloc byte[4];
            for (var i = 0; i < 4; i++)
            {
                client[i] = (byte)~b[12 + i];
            }

            return new IPAddress(client);
        }

        return null;
    }

    // IPv6 ranges: RFC 4291, RFC 4193, RFC 3879, RFC 3849, RFC 9637, RFC 5180, RFC 6666; outside 2000::/3 nothing is global unicast.
    private static AddressCategory ClassifyV6(ReadOnlySpan<byte> b)
    {
        if (b.IndexOfAnyExcept((byte)0) < 0)
        {
            return AddressCategory.Unspecified;
        }

        if (b[..15].IndexOfAnyExcept((byte)0) < 0 && b[15] == 1)
        {
            return AddressCategory.Loopback;
        }

        if (b[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return AddressCategory.Reserved; // ::/96 IPv4-compatible, deprecated by RFC 4291 §2.5.5.1
        }

        if (b[0] == 0xFF)
        {
            return AddressCategory.Multicast;
        }

        if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
        {
            return AddressCategory.LinkLocal;
        }

        if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)
        {
            return AddressCategory.SiteLocal;
        }

        if ((b[0] & 0xFE) == 0xFC)
        {
            return AddressCategory.UniqueLocal;
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)
        {
            return AddressCategory.Documentation; // 2001:db8::/32
        }

        if (b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0)
        {
            return AddressCategory.Documentation; // 3fff::/20
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0x02 && b[4] == 0 && b[5] == 0)
        {
            return AddressCategory.Benchmarking; // 2001:2::/48
        }

        if (b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xFE) == 0)
        {
            return AddressCategory.ProtocolAssignments; // 2001::/23 remainder (Teredo handled above)
        }

        if ((b[0] & 0xE0) != 0x20)
        {
            return AddressCategory.Reserved; // 100::/64 discard-only and everything else outside 2000::/3
        }

        return AddressCategory.Public;
    }

    private static IPAddress Normalize(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            return new IPAddress(b);
        }

        return address;
    }

    public static string Describe(AddressCategory category) => category switch
    {
        AddressCategory.Loopback => "a loopback address",
        AddressCategory.Unspecified => "the unspecified address",
        AddressCategory.ThisNetwork => "in 0.0.0.0/8 (this network)",
        AddressCategory.LinkLocal => "a link-local address",
        AddressCategory.Private => "a private address (RFC 1918)",
        AddressCategory.SiteLocal => "a site-local address",
        AddressCategory.UniqueLocal => "a unique local (private) IPv6 address",
        AddressCategory.SharedAddressSpace => "in the shared address space of carrier-grade NAT (100.64.0.0/10)",
        AddressCategory.ProtocolAssignments => "reserved for IETF protocol assignments",
        AddressCategory.Documentation => "reserved for documentation",
        AddressCategory.Benchmarking => "reserved for benchmarking",
        AddressCategory.Multicast => "a multicast address",
        AddressCategory.Broadcast => "the broadcast address",
        AddressCategory.Reserved => "a reserved address",
        AddressCategory.Infrastructure => "an address of the Speedera network itself",
        _ => "a public address",
    };
}
