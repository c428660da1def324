using Speedera.Core.Dns;

namespace Speedera.Edge.Dns;

internal enum ResolutionKind : byte
{
    /// <summary>Not in any of our zones: REFUSED (we are not a resolver).</summary>
    Refused,
    NxDomain,
    NoData,

    /// <summary>An RRset of the asked type (<see cref="Resolution.Set"/>), or a GTM hostname to decide.</summary>
    Answer,
    Gtm,
    Cname,

    /// <summary>The name lies at or below a delegation inside the zone: NS in authority, not authoritative.</summary>
    Referral,

    /// <summary>RFC 8482 §4.2: ANY gets a synthesized HINFO.</summary>
    Any,
}

internal readonly record struct Resolution(ResolutionKind Kind, ZoneData? Zone, DnsNode? Node, RecordSet? Set);

/// <summary>Finds what a name and type resolve to in the zone set (RFC 1034 §4.3.2, without wildcards).</summary>
internal static class DnsResolver
{
    public static Resolution Resolve(DnsZoneSet zones, ReadOnlySpan<char> name, ushort qtype)
    {
        var zone = zones.FindZone(name);
        if (zone is null)
        {
            return new(ResolutionKind.Refused, null, null, null);
        }

        // Walk from just below the apex down to the name looking for a zone cut.
        int depth = name.Length - zone.Name.Length;
        if (depth > 0 && zone.HasDelegations)
        {
            var cut = FindDelegation(zone, name, depth);
            if (cut is not null)
            {
                return new(ResolutionKind.Referral, zone, cut, cut.Get(DnsRecordType.NS));
            }
        }

        if (!zone.TryGetNode(name, out var node))
        {
            return new(ResolutionKind.NxDomain, zone, null, null);
        }

        if (qtype == (ushort)DnsRecordType.ANY)
        {
            return new(ResolutionKind.Any, zone, node, null);
        }

        if (node.Cname is { } cname && qtype != (ushort)DnsRecordType.CNAME)
        {
            return new(ResolutionKind.Cname, zone, node, cname);
        }

        if (node.Gtm is not null && qtype is (ushort)DnsRecordType.A or (ushort)DnsRecordType.AAAA)
        {
            return new(ResolutionKind.Gtm, zone, node, null);
        }

        if (ReferenceEquals(node, zone.Apex) && qtype == (ushort)DnsRecordType.SOA)
        {
            return new(ResolutionKind.Answer, zone, node, null);
        }

        foreach (var set in node.Sets)
        {
            if ((ushort)set.Type == qtype)
            {
                return new(ResolutionKind.Answer, zone, node, set);
            }
        }

        return new(ResolutionKind.NoData, zone, node, null);
    }

    private static DnsNode? FindDelegation(ZoneData zone, ReadOnlySpan<char> name, int depth)
    {
        // Candidate cut points are the suffixes of name that are longer than the apex; check shortest first.
        int start = depth - 1;
        while (true)
        {
            int labelStart = start <= 0 ? 0 : name[..start].LastIndexOf('.') + 1;
            var suffix = name[labelStart..];
            if (zone.TryGetNode(suffix, out var node) && node.IsDelegation)
            {
                return node;
            }

            if (labelStart == 0)
            {
                return null;
            }

            start = labelStart - 1;
        }
    }
}
