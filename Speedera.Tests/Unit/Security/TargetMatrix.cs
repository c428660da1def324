using Speedera.Core.Security;

namespace Speedera.Tests.Unit.Security;

/// <summary>
/// Every range the guard refuses, with several addresses each (IPv4, IPv6 and the IPv6 forms that carry an IPv4
/// address). The validation and connect-time tests run over the same rows. Nothing here is ever dialled.
/// </summary>
public static class TargetMatrix
{
    public static readonly (string Range, AddressCategory Category, string[] Addresses)[] Forbidden =
    [
        ("127.0.0.0/8 loopback", AddressCategory.Loopback, ["127.0.0.1", "127.1.2.3", "127.255.255.254"]),
        ("::1 loopback", AddressCategory.Loopback, ["::1"]),
        ("unspecified", AddressCategory.Unspecified, ["0.0.0.0", "::"]),
        ("0.0.0.0/8 this network", AddressCategory.ThisNetwork, ["0.1.2.3", "0.255.255.255"]),
        ("169.254.0.0/16 link-local", AddressCategory.LinkLocal, ["169.254.169.254", "169.254.0.1", "169.254.255.254"]),
        ("fe80::/10 link-local", AddressCategory.LinkLocal, ["fe80::1", "fe80::a9fe:a9fe", "febf:ffff::1"]),
        ("10.0.0.0/8 private", AddressCategory.Private, ["10.0.0.1", "10.20.30.40", "10.255.255.254"]),
        ("172.16.0.0/12 private", AddressCategory.Private, ["172.16.0.1", "172.20.1.1", "172.31.255.254"]),
        ("192.168.0.0/16 private", AddressCategory.Private, ["192.168.0.1", "192.168.1.1", "192.168.255.254"]),
        ("fc00::/7 unique local", AddressCategory.UniqueLocal, ["fc00::1", "fd12:3456:789a::1", "fdff:ffff:ffff::1"]),
        ("fec0::/10 site-local", AddressCategory.SiteLocal, ["fec0::1", "feff::1"]),
        ("100.64.0.0/10 shared", AddressCategory.SharedAddressSpace, ["100.64.0.1", "100.100.100.200", "100.127.255.254"]),
        ("192.0.0.0/24 protocol assignments", AddressCategory.ProtocolAssignments, ["192.0.0.1", "192.0.0.170"]),
        ("2001::/23 protocol assignments", AddressCategory.ProtocolAssignments, ["2001:1::1", "2001:100::1"]),
        ("192.0.2.0/24 documentation", AddressCategory.Documentation, ["192.0.2.1", "192.0.2.254"]),
        ("198.51.100.0/24 documentation", AddressCategory.Documentation, ["198.51.100.7", "198.51.100.254"]),
        ("203.0.113.0/24 documentation", AddressCategory.Documentation, ["203.0.113.10", "203.0.113.254"]),
        ("2001:db8::/32 documentation", AddressCategory.Documentation, ["2001:db8::1", "2001:db8:ffff::1"]),
        ("3fff::/20 documentation", AddressCategory.Documentation, ["3fff::1", "3fff:fff::1"]),
        ("198.18.0.0/15 benchmarking", AddressCategory.Benchmarking, ["198.18.0.1", "198.19.255.254"]),
        ("2001:2::/48 benchmarking", AddressCategory.Benchmarking, ["2001:2::1", "2001:2:0:ffff::1"]),
        ("224.0.0.0/4 multicast", AddressCategory.Multicast, ["224.0.0.1", "239.255.255.250"]),
        ("ff00::/8 multicast", AddressCategory.Multicast, ["ff02::1", "ff05::1:3"]),
        ("255.255.255.255 broadcast", AddressCategory.Broadcast, ["255.255.255.255"]),
        ("240.0.0.0/4 reserved", AddressCategory.Reserved, ["240.0.0.1", "250.1.2.3", "255.255.255.254"]),
        ("192.88.99.0/24 6to4 relay", AddressCategory.Reserved, ["192.88.99.1"]),
        ("IPv6 outside 2000::/3", AddressCategory.Reserved, ["100::1", "4000::1", "::127.0.0.1"]),
        ("IPv4-mapped loopback", AddressCategory.Loopback, ["::ffff:127.0.0.1", "::ffff:127.0.0.53"]),
        ("IPv4-mapped link-local", AddressCategory.LinkLocal, ["::ffff:169.254.169.254"]),
        ("IPv4-mapped private", AddressCategory.Private, ["::ffff:10.0.0.1", "::ffff:192.168.1.1"]),
        ("NAT64 64:ff9b::/96", AddressCategory.LinkLocal, ["64:ff9b::a9fe:a9fe"]),
        ("NAT64 64:ff9b::/96 loopback", AddressCategory.Loopback, ["64:ff9b::7f00:1"]),
        ("NAT64 64:ff9b:1::/48", AddressCategory.Loopback, ["64:ff9b:1:7f00:0:100::"]),
        ("NAT64 64:ff9b:1::/48 private", AddressCategory.Private, ["64:ff9b:1:a01:2:300::"]),
        ("6to4 2002::/16", AddressCategory.Loopback, ["2002:7f00:1::1"]),
        ("6to4 2002::/16 link-local", AddressCategory.LinkLocal, ["2002:a9fe:a9fe::1"]),
        ("6to4 2002::/16 private", AddressCategory.Private, ["2002:c0a8:101::1", "2002:a00:1::"]),
        ("Teredo 2001::/32", AddressCategory.Loopback, ["2001:0:4136:e378:8000:63bf:80ff:fffe"]),
        ("Teredo 2001::/32 private", AddressCategory.Private, ["2001:0:4136:e378:8000:63bf:f5ff:fffe"]),
    ];

    public static readonly string[] Public =
    [
        "8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1",
        "192.167.255.255", "198.17.255.255", "198.20.0.1", "223.255.255.255",
        "2606:4700:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808",
        "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
    ];

    public static IEnumerable<(string Range, AddressCategory Category, string Address)> Rows =>
        Forbidden.SelectMany(r => r.Addresses.Select(a => (r.Range, r.Category, a)));

    public static TheoryData<string, AddressCategory, string> ForbiddenRows()
    {
        var data = new TheoryData<string, AddressCategory, string>();
        foreach (var (range, category, address) in Rows)
        {
            data.Add(range, category, address);
        }

        return data;
    }

    public static TheoryData<string> PublicRows() => [.. Public];
}
