using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;

namespace Speedera.Edge.Dns;

/// <summary>The result of handling one request; <see cref="Answer"/> is the first GTM answer, if the engine chose one.</summary>
public readonly record struct DnsOutcome(DnsResponseCode RCode, bool Truncated, GtmReason? Reason, CandidatePlan? Answer = null, bool ValidServerCookie = false);

/// <summary>
/// Writes the response to a parsed query: header flags (AA set, RA clear), the question as received,
/// the answer, authority and additional sections, TC when the answer does not fit, and OPT.
/// </summary>
internal static class DnsResponder
{
    private const int MaxCnameChain = 8;
    private static readonly byte[] Rfc8482Hinfo = [7, (byte)'R', (byte)'F', (byte)'C', (byte)'8', (byte)'4', (byte)'8', (byte)'2', 0];

    /// <summary>FORMERR with the header only: the rest of the message cannot be trusted.</summary>
    public static int WriteFormErr(ReadOnlySpan<byte> request, Span<byte> response)
    {
        if (request.Length < DnsLimits.HeaderSize || response.Length < DnsLimits.HeaderSize)
        {
            return 0;
        }

        var writer = new DnsMessageWriter(response);
        ushort requestFlags = (ushort)((request[2] << 8) | request[3]);
        ushort flags = (ushort)(DnsFlags.QR | (requestFlags & (DnsFlags.OpCodeMask | DnsFlags.RD)) | (ushort)DnsResponseCode.FormErr);
        writer.TryWriteHeader((ushort)((request[0] << 8) | request[1]), flags, 0);
        return writer.Finish();
    }

    public static int Write(
        in DnsQuery queryIn,
        ReadOnlySpan<byte> questionName,
        DnsParseStatus status,
        DnsZoneSet? zones,
        GtmEngine engine,
        DecisionCounter counter,
        in GtmClient client,
        Span<byte> response,
        out DnsOutcome outcome,
        DnsServerIdentity? identity = null)
    {
        var writer = new DnsMessageWriter(response);

        // Only a well-formed query's client subnet is echoed (RFC 6891 §7 FORMERR, RFC 7871 §7.3 with BADVERS).
        var query = status == DnsParseStatus.Ok ? queryIn : WithoutEcs(queryIn);
        Span<byte> extra = stackalloc byte[4 + DnsServerIdentity.MaxNsidLength + 4 + 24];
        int extraLength = WriteIdentityOptions(in query, identity, client.Resolver, extra, out bool validCookie);
        int optSize = query.HasEdns ? 11 + (query.HasEcs ? 8 + ((query.EcsSourcePrefix + 7) / 8) : 0) + extraLength : 0;
        // RFC 8906 §3.1.3: NOTIMP for an unknown opcode copies neither RD nor CD.
        ushort copied = status == DnsParseStatus.NotImp ? DnsFlags.OpCodeMask : (ushort)(DnsFlags.OpCodeMask | DnsFlags.RD | DnsFlags.CD);
        ushort flags = (ushort)(DnsFlags.QR | (query.Flags & copied));
        writer.TryWriteHeader(query.Id, flags, query.HasQuestion ? (ushort)1 : (ushort)0);
        writer.Limit = response.Length - optSize;
        if (query.HasQuestion && !writer.TryWriteQuestion(questionName[..query.NameLength], query.QType, query.QClass))
        {
            outcome = new(DnsResponseCode.ServFail, false, null);
            return 0;
        }

        var afterQuestion = writer.Mark();
        var rcode = DnsResponseCode.NoError;
        bool authoritative = false;
        bool truncated = false;
        byte ecsScope = 0;
        GtmReason? reason = null;
        CandidatePlan? answer = null;

        switch (status)
        {
            case DnsParseStatus.NotImp:
                rcode = DnsResponseCode.NotImp;
                break;
            case DnsParseStatus.BadVers:
                rcode = DnsResponseCode.BadVers;
                break;
            case DnsParseStatus.FormErr:
                rcode = DnsResponseCode.FormErr;
                break;
            default:
                if (query.QType == (ushort)DnsRecordType.OPT)
                {
                    rcode = DnsResponseCode.FormErr;
                }
                else if (zones is null)
                {
                    rcode = DnsResponseCode.ServFail;
                }
                else if ((query.QClass != (ushort)DnsClass.IN && query.QClass != (ushort)DnsClass.ANY)
                    || query.QType is (ushort)DnsRecordType.AXFR or (ushort)DnsRecordType.IXFR)
                {
                    // Zone transfers are not offered; other classes are not ours.
                    rcode = DnsResponseCode.Refused;
                }
                else
                {
                    Span<char> text = stackalloc char[DnsLimits.MaxNameLength];
                    int length = DnsName.ToLowerText(questionName[..query.NameLength], text);
                    truncated = !Answer(ref writer, in query, questionName[..query.NameLength], text[..length], zones, engine, counter,
                        in client, out rcode, out authoritative, out ecsScope, out reason, out answer);
                }

                break;
        }

        if (truncated)
        {
            // RFC 2181 §9: what did not fit is not sent; TC tells the client to retry over TCP.
            writer.Reset(afterQuestion);
        }

        ushort finalFlags = (ushort)(flags | ((ushort)rcode & DnsFlags.RCodeMask) | (authoritative ? DnsFlags.AA : 0) | (truncated ? DnsFlags.TC : 0));
        writer.SetFlags(finalFlags);
        writer.Limit = response.Length;
        if (query.HasEdns)
        {
            writer.TryWriteOpt(DnsLimits.AdvertisedUdpPayload, (byte)((ushort)rcode >> 4), query.DnssecOk, in query, ecsScope, extra[..extraLength]);
        }

        outcome = new(rcode, truncated, reason, answer, validCookie);
        return writer.Finish();
    }

    private static DnsQuery WithoutEcs(in DnsQuery query)
    {
        var copy = query;
        copy.HasEcs = false;
        return copy;
    }

    /// <summary>NSID (RFC 5001 §2.3) when asked, and a COOKIE with a fresh server cookie (RFC 7873 §5.2) when the query had one.</summary>
    private static int WriteIdentityOptions(in DnsQuery query, DnsServerIdentity? identity, ClientAddress remote, Span<byte> extra, out bool validCookie)
    {
        validCookie = false;
        if (identity is null || !query.HasEdns)
        {
            return 0;
        }

        int length = 0;
        if (query.NsidRequested)
        {
            var nsid = identity.Nsid;
            BinaryPrimitives.WriteUInt16BigEndian(extra, DnsLimits.NsidOptionCode);
            BinaryPrimitives.WriteUInt16BigEndian(extra[2..], (ushort)nsid.Length);
            nsid.CopyTo(extra[4..]);
            length = 4 + nsid.Length;
        }

        if (query.HasCookie && identity.Cookies is { } cookies)
        {
            var now = identity.TimeProvider.GetUtcNow();
            validCookie = cookies.IsValid(in query, remote, now);
            var option = extra[length..];
            BinaryPrimitives.WriteUInt16BigEndian(option, DnsLimits.CookieOptionCode);
            BinaryPrimitives.WriteUInt16BigEndian(option[2..], 24);
            BinaryPrimitives.WriteUInt64BigEndian(option[4..], query.ClientCookie);
            cookies.Create(query.ClientCookie, remote, now, option[12..28]);
            length += 28;
        }

        return length;
    }

    /// <summary>Returns false when a needed record did not fit (the caller truncates).</summary>
    private static bool Answer(
        ref DnsMessageWriter writer,
        in DnsQuery query,
        scoped ReadOnlySpan<byte> qnameWire,
        scoped ReadOnlySpan<char> qname,
        DnsZoneSet zones,
        GtmEngine engine,
        DecisionCounter counter,
        in GtmClient client,
        out DnsResponseCode rcode,
        out bool authoritative,
        out byte ecsScope,
        out GtmReason? reason,
        out CandidatePlan? answer)
    {
        rcode = DnsResponseCode.NoError;
        authoritative = true;
        ecsScope = 0;
        reason = null;
        answer = null;
        scoped ReadOnlySpan<byte> ownerWire = qnameWire;
        Span<char> chained = stackalloc char[DnsLimits.MaxNameLength];
        scoped ReadOnlySpan<char> name = qname;

        for (int step = 0; step <= MaxCnameChain; step++)
        {
            var resolution = DnsResolver.Resolve(zones, name, query.QType);
            var zone = resolution.Zone;
            switch (resolution.Kind)
            {
                case ResolutionKind.Refused:
                    // Outside our zones: REFUSED at the start; at the end of a CNAME chain the resolver follows on.
                    if (step == 0)
                    {
                        rcode = DnsResponseCode.Refused;
                        authoritative = false;
                    }

                    return true;

                case ResolutionKind.NxDomain:
                    rcode = DnsResponseCode.NXDomain;
                    return WriteNegativeSoa(ref writer, zone!);

                case ResolutionKind.NoData:
                    return WriteNegativeSoa(ref writer, zone!);

                case ResolutionKind.Referral:
                    authoritative = step > 0;
                    if (!WriteSet(ref writer, DnsSection.Authority, resolution.Node!.Wire, resolution.Set!))
                    {
                        return false;
                    }

                    WriteGlue(ref writer, resolution.Set!);
                    return true;

                case ResolutionKind.Any:
                    return writer.TryWriteRecord(DnsSection.Answer, ownerWire, DnsRecordType.HINFO, zone!.SoaTtl, Rfc8482Hinfo);

                case ResolutionKind.Answer:
                    if (resolution.Set is null)
                    {
                        return WriteSoa(ref writer, DnsSection.Answer, zone!, zone!.SoaTtl);
                    }

                    if (!WriteSet(ref writer, DnsSection.Answer, ownerWire, resolution.Set))
                    {
                        return false;
                    }

                    if (resolution.Set.Type == DnsRecordType.NS)
                    {
                        WriteGlue(ref writer, resolution.Set);
                    }

                    return true;

                case ResolutionKind.Gtm:
                    return WriteGtm(ref writer, in query, ownerWire, resolution.Node!, zone!, zones, engine, counter, in client, ref ecsScope, ref reason, ref answer);

                case ResolutionKind.Cname:
                    var cname = resolution.Set!;
                    if (!WriteSet(ref writer, DnsSection.Answer, ownerWire, cname))
                    {
                        return false;
                    }

                    ownerWire = cname.Data[0];
                    name = chained[..DnsName.ToLowerText(ownerWire, chained)];
                    continue;
            }
        }

        return true;
    }

    private static bool WriteGtm(
        ref DnsMessageWriter writer,
        in DnsQuery query,
        scoped ReadOnlySpan<byte> ownerWire,
        DnsNode node,
        ZoneData zone,
        DnsZoneSet zones,
        GtmEngine engine,
        DecisionCounter counter,
        in GtmClient client,
        ref byte ecsScope,
        ref GtmReason? reason,
        ref CandidatePlan? answer)
    {
        var plan = node.Gtm!;
        bool v6 = query.QType == (ushort)DnsRecordType.AAAA;
        var buffer = default(AnswerBuffer);
        Span<CandidatePlan?> answers = buffer;
        var decision = engine.Decide(plan, v6, in client, answers);
        reason = decision.Reason;
        answer = decision.Count > 0 ? answers[0] : null;
        counter.Clients.Count(plan, in client, decision.DecidedAt);
        if (decision.Count == 0)
        {
            return WriteNegativeSoa(ref writer, zone);
        }

        if (decision.DependsOnClient && client.UsesSubnet)
        {
            // RFC 7871 §7.2.1: the scope says how far the answer may be reused.
            ecsScope = decision.Reason is GtmReason.Latency or GtmReason.LatencyUnknown
                ? client.Group.Length
                : client.SubnetPrefix;
        }

        var now = decision.DecidedAt;
        var type = v6 ? DnsRecordType.AAAA : DnsRecordType.A;
        for (int i = 0; i < decision.Count; i++)
        {
            var candidate = answers[i]!;
            if (!writer.TryWriteRecord(DnsSection.Answer, ownerWire, type, plan.TtlSeconds, candidate.AddressBytes))
            {
                return false;
            }

            counter.Count(candidate, decision.Reason, now);
        }

        return true;
    }

    private static bool WriteSet(ref DnsMessageWriter writer, DnsSection section, scoped ReadOnlySpan<byte> owner, RecordSet set)
    {
        foreach (var rdata in set.Data)
        {
            bool ok = set.RDataIsName
                ? writer.TryWriteNameRecord(section, owner, set.Type, set.Ttl, rdata)
                : writer.TryWriteRecord(section, owner, set.Type, set.Ttl, rdata);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Glue is optional: what does not fit is left out without TC (RFC 2181 §9).</summary>
    private static void WriteGlue(ref DnsMessageWriter writer, RecordSet ns)
    {
        foreach (var node in ns.Glue)
        {
            foreach (var set in node.Sets)
            {
                if (set.Type is DnsRecordType.A or DnsRecordType.AAAA)
                {
                    var mark = writer.Mark();
                    if (!WriteSet(ref writer, DnsSection.Additional, node.Wire, set))
                    {
                        writer.Reset(mark);
                        return;
                    }
                }
            }
        }
    }

    /// <summary>RFC 2308 §3: NXDOMAIN and NODATA carry the zone's SOA in the authority section.</summary>
    private static bool WriteNegativeSoa(ref DnsMessageWriter writer, ZoneData zone) =>
        WriteSoa(ref writer, DnsSection.Authority, zone, zone.NegativeSoaTtl);

    private static bool WriteSoa(ref DnsMessageWriter writer, DnsSection section, ZoneData zone, uint ttl) =>
        writer.TryWriteSoa(section, zone.ApexWire, ttl, zone.SoaPrimary, zone.SoaMailbox, zone.Serial, zone.Refresh, zone.Retry, zone.Expire, zone.NegativeTtl);

    [InlineArray(8)]
    private struct AnswerBuffer
    {
        private CandidatePlan? _element;
    }
}
