using System.Net;
using System.Net.Sockets;
using System.Text;
using Speedera.Core.Configuration;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;

namespace Speedera.Edge.Dns;

/// <summary>
/// One configuration version compiled for answering: zones with their names and record sets in wire
/// form, and the GTM hostname plans. Immutable; a new version builds a new set that is swapped in whole.
/// </summary>
internal sealed class DnsZoneSet
{
    private readonly Dictionary<string, ZoneData> _zones;
    private readonly Dictionary<string, ZoneData>.AlternateLookup<ReadOnlySpan<char>> _zoneLookup;

    private DnsZoneSet(NetworkConfiguration source, GtmConfiguration gtm, Dictionary<string, ZoneData> zones)
    {
        Source = source;
        Gtm = gtm;
        _zones = zones;
        _zoneLookup = zones.GetAlternateLookup<ReadOnlySpan<char>>();
        MetricStaleAfter = source.Probes.MetricStaleAfter;
    }

    public NetworkConfiguration Source { get; }

    public GtmConfiguration Gtm { get; }

    public TimeSpan MetricStaleAfter { get; }

    public int ZoneCount => _zones.Count;

    /// <summary>The closest enclosing zone of a lower-case dotted name, or null when we are not authoritative.</summary>
    public ZoneData? FindZone(ReadOnlySpan<char> name)
    {
        while (true)
        {
            if (_zoneLookup.TryGetValue(name, out var zone))
            {
                return zone;
            }

            int dot = name.IndexOf('.');
            if (dot < 0)
            {
                return null;
            }

            name = name[(dot + 1)..];
        }
    }

    public static DnsZoneSet Build(NetworkConfiguration configuration)
    {
        var gtm = GtmConfiguration.Build(configuration);
        var zones = new Dictionary<string, ZoneData>(StringComparer.Ordinal);
        foreach (var zone in configuration.Zones)
        {
            var data = new ZoneData(zone);
            zones[data.Name] = data;
        }

        foreach (var plan in gtm.Hostnames)
        {
            // A hostname belongs to its closest enclosing zone (its Zone field names the intended one).
            var zone = FindZoneFor(zones, plan.Name);
            zone?.GetOrAddNode(plan.Name).Gtm = plan;
        }

        foreach (var zone in zones.Values)
        {
            zone.AddEmptyNonTerminals();
        }

        return new DnsZoneSet(configuration, gtm, zones);
    }

    private static ZoneData? FindZoneFor(Dictionary<string, ZoneData> zones, string name)
    {
        var span = name.AsSpan();
        var lookup = zones.GetAlternateLookup<ReadOnlySpan<char>>();
        while (true)
        {
            if (lookup.TryGetValue(span, out var zone))
            {
                return zone;
            }

            int dot = span.IndexOf('.');
            if (dot < 0)
            {
                return null;
            }

            span = span[(dot + 1)..];
        }
    }

    internal static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();
}

internal sealed class ZoneData
{
    private readonly Dictionary<string, DnsNode> _nodes = new(StringComparer.Ordinal);
    private Dictionary<string, DnsNode>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public ZoneData(Zone zone)
    {
        Name = DnsZoneSet.Normalize(zone.Name);
        ApexWire = DnsName.Encode(Name);
        var soa = zone.Soa;
        SoaPrimary = DnsName.Encode(soa.PrimaryNameServer);
        SoaMailbox = DnsName.Encode(soa.ResponsibleMailbox);
        Serial = soa.Serial;
        Refresh = Seconds(soa.Refresh);
        Retry = Seconds(soa.Retry);
        Expire = Seconds(soa.Expire);
        NegativeTtl = Seconds(soa.NegativeTtl);
        SoaTtl = Seconds(soa.Ttl);
        _lookup = _nodes.GetAlternateLookup<ReadOnlySpan<char>>();
        Apex = GetOrAddNode(Name);

        var nsTargets = new List<RecordSet>();
        foreach (var ns in zone.NameServers)
        {
            var nsName = DnsZoneSet.Normalize(ns.Name);
            Apex.Add(DnsRecordType.NS, Seconds(ns.Ttl), DnsName.Encode(nsName));
            if (IsInZone(nsName))
            {
                // Glue: the addresses of in-zone name servers are records of the zone too.
                var node = GetOrAddNode(nsName);
                foreach (var address in ns.Addresses)
                {
                    if (IPAddress.TryParse(address, out var ip))
                    {
                        node.Add(ip.AddressFamily == AddressFamily.InterNetworkV6 ? DnsRecordType.AAAA : DnsRecordType.A, Seconds(ns.Ttl), ip.GetAddressBytes());
                    }
                }
            }
        }

        foreach (var record in zone.Records)
        {
            var owner = DnsZoneSet.Normalize(record.Name);
            if (owner is "@" or "")
            {
                owner = Name;
            }
            else if (!IsInZone(owner))
            {
                owner = $"{owner}.{Name}";
            }

            if (!IsInZone(owner))
            {
                continue;
            }

            var node = GetOrAddNode(owner);
            uint ttl = Seconds(record.Ttl);
            switch (record.Type.ToUpperInvariant())
            {
                case "A" when IPAddress.TryParse(record.Data, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork:
                    node.Add(DnsRecordType.A, ttl, v4.GetAddressBytes());
                    break;
                case "AAAA" when IPAddress.TryParse(record.Data, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6:
                    node.Add(DnsRecordType.AAAA, ttl, v6.GetAddressBytes());
                    break;
                case "CNAME":
                    node.Add(DnsRecordType.CNAME, ttl, DnsName.Encode(DnsZoneSet.Normalize(record.Data)));
                    break;
                case "NS":
                    node.Add(DnsRecordType.NS, ttl, DnsName.Encode(DnsZoneSet.Normalize(record.Data)));
                    break;
                case "TXT":
                    node.Add(DnsRecordType.TXT, ttl, EncodeTxt(record.Data));
                    break;
            }
        }

        ApexNs = Apex.Get(DnsRecordType.NS);
    }

    public string Name { get; }

    public byte[] ApexWire { get; }

    public DnsNode Apex { get; }

    public RecordSet? ApexNs { get; }

    /// <summary>Whether any name below the apex has NS records (a zone cut to look for).</summary>
    public bool HasDelegations { get; private set; }

    public byte[] SoaPrimary { get; }

    public byte[] SoaMailbox { get; }

    public uint Serial { get; }

    public uint Refresh { get; }

    public uint Retry { get; }

    public uint Expire { get; }

    public uint NegativeTtl { get; }

    public uint SoaTtl { get; }

    /// <summary>RFC 2308 §3: the SOA in a negative answer carries min(SOA TTL, SOA MINIMUM).</summary>
    public uint NegativeSoaTtl => Math.Min(SoaTtl, NegativeTtl);

    public bool TryGetNode(ReadOnlySpan<char> name, out DnsNode node) => _lookup.TryGetValue(name, out node!);

    public bool IsInZone(string name) =>
        name.Length == Name.Length ? name == Name : name.EndsWith("." + Name, StringComparison.Ordinal) || Name.Length == 0;

    internal DnsNode GetOrAddNode(string name)
    {
        if (!_nodes.TryGetValue(name, out var node))
        {
            node = new DnsNode(name);
            _nodes[name] = node;
        }

        return node;
    }

    /// <summary>Names between the apex and existing names exist too (NODATA, not NXDOMAIN: RFC 8020).</summary>
    internal void AddEmptyNonTerminals()
    {
        foreach (var name in _nodes.Keys.ToList())
        {
            var current = name;
            while (current.Length > Name.Length)
            {
                int dot = current.IndexOf('.', StringComparison.Ordinal);
                if (dot < 0)
                {
                    break;
                }

                current = current[(dot + 1)..];
                if (current.Length < Name.Length)
                {
                    break;
                }

                GetOrAddNode(current);
            }
        }

        foreach (var node in _nodes.Values)
        {
            node.IsDelegation = !ReferenceEquals(node, Apex) && node.Get(DnsRecordType.NS) is not null;
            HasDelegations |= node.IsDelegation;
            if (node.Get(DnsRecordType.NS) is { } ns)
            {
                foreach (var target in ns.Data)
                {
                    var targetName = DnsName.ToText(target).TrimEnd('.');
                    if (_nodes.TryGetValue(targetName, out var glue) && (glue.Get(DnsRecordType.A) is not null || glue.Get(DnsRecordType.AAAA) is not null))
                    {
                        ns.Glue.Add(glue);
                    }
                }
            }
        }
    }

    private static uint Seconds(TimeSpan span) => (uint)Math.Clamp(span.TotalSeconds, 0, int.MaxValue);

    /// <summary>RFC 1035 §3.3.14: one or more character-strings of up to 255 octets.</summary>
    private static byte[] EncodeTxt(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var stream = new MemoryStream();
        int pos = 0;
        do
        {
            int chunk = Math.Min(255, bytes.Length - pos);
            stream.WriteByte((byte)chunk);
            stream.Write(bytes, pos, chunk);
            pos += chunk;
        }
        while (pos < bytes.Length);
        return stream.ToArray();
    }
}

/// <summary>All records at one owner name. Record sets are fixed once the zone is built.</summary>
internal sealed class DnsNode(string name)
{
    private readonly List<RecordSet> _sets = [];

    public string Name { get; } = name;

    public byte[] Wire { get; } = DnsName.Encode(name);

    public HostnamePlan? Gtm { get; set; }

    /// <summary>NS records below the apex: the name and everything under it is delegated away.</summary>
    public bool IsDelegation { get; set; }

    public RecordSet? Cname { get; private set; }

    /// <summary>A concrete list so that enumerating it on the hot path does not box an enumerator.</summary>
    public List<RecordSet> Sets => _sets;

    public RecordSet? Get(DnsRecordType type)
    {
        foreach (var set in _sets)
        {
            if (set.Type == type)
            {
                return set;
            }
        }

        return null;
    }

    internal void Add(DnsRecordType type, uint ttl, byte[] rdata)
    {
        var set = Get(type);
        if (set is null)
        {
            set = new RecordSet(type, ttl);
            _sets.Add(set);
        }

        set.Add(ttl, rdata);
        if (type == DnsRecordType.CNAME)
        {
            Cname = set;
        }
    }
}

/// <summary>An RRset: records of one type at one name (RFC 2181 §5: one TTL for the set, the lowest).</summary>
internal sealed class RecordSet(DnsRecordType type, uint ttl)
{
    private readonly List<byte[]> _data = [];

    public DnsRecordType Type { get; } = type;

    public uint Ttl { get; private set; } = ttl;

    public List<byte[]> Data => _data;

    /// <summary>For NS sets: the in-zone nodes holding the name servers' addresses.</summary>
    public List<DnsNode> Glue { get; } = [];

    /// <summary>NS and CNAME carry a name as RDATA, which is compressed when written.</summary>
    public bool RDataIsName => Type is DnsRecordType.NS or DnsRecordType.CNAME;

    internal void Add(uint ttl, byte[] rdata)
    {
        Ttl = Math.Min(Ttl, ttl);
        if (!_data.Exists(d => d.AsSpan().SequenceEqual(rdata)))
        {
            _data.Add(rdata);
        }
    }
}
