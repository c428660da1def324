using System.Diagnostics;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;

namespace Speedera.Edge.Dns;

/// <summary>
/// One request in, one response out: parse, resolve (GTM engine), respond into the caller's buffer.
/// Shared by the UDP and TCP listeners, the fuzz tests and the micro-benchmark. Allocation-free once
/// the configuration is compiled and the client's group has been seen.
/// </summary>
public sealed class DnsRequestProcessor(DnsConfigurationSource configuration, GtmEngine engine, DecisionCounter counter, DnsServerStats stats, int maxUdpPayloadBytes, DnsQueryLog? queryLog = null, DnsServerIdentity? identity = null)
{
    public DnsServerStats Stats => stats;

    /// <summary>Returns the response length, or 0 when the request is dropped.</summary>
    public int Process(ReadOnlySpan<byte> request, Span<byte> response, ClientAddress remote, bool tcp, out DnsOutcome outcome)
    {
        // Only a sample is timed: two clock reads per query would be a measurable part of the work.
        if (!stats.CountQuery())
        {
            return ProcessCounted(request, response, remote, tcp, out outcome);
        }

        long start = Stopwatch.GetTimestamp();
        int length = ProcessCounted(request, response, remote, tcp, out outcome);
        stats.RecordLatency(start);
        return length;
    }

    private int ProcessCounted(ReadOnlySpan<byte> request, Span<byte> response, ClientAddress remote, bool tcp, out DnsOutcome outcome)
    {
        Span<byte> name = stackalloc byte[DnsLimits.MaxNameLength + 1];
        var status = DnsQueryParser.Parse(request, name, out var query);
        if (status == DnsParseStatus.Drop)
        {
            stats.CountDropped();
            outcome = default;
            return 0;
        }

        if (status == DnsParseStatus.FormErr)
        {
            outcome = new(DnsResponseCode.FormErr, false, null);
            stats.CountResponse(outcome);
            if (queryLog is not null && queryLog.TryAdmit())
            {
                queryLog.WriteMalformed(remote, tcp);
            }

            if (!query.HasEdns)
            {
                return DnsResponder.WriteFormErr(request, response);
            }

            // RFC 6891 §7: a query that carried an OPT gets its FORMERR with an OPT.
            var formErrClient = GtmClient.FromResolver(remote);
            return DnsResponder.Write(in query, name, status, null, engine, counter, in formErrClient, response[..Math.Min(response.Length, DnsLimits.ClassicUdpPayload)], out _, identity);
        }

        // RFC 6891 §6.2.5: without EDNS a UDP response fits in 512 octets; with it, in the advertised size.
        int limit = tcp
            ? Math.Min(response.Length, DnsLimits.MaxTcpMessage)
            : Math.Min(response.Length, query.HasEdns ? Math.Clamp((int)query.UdpPayloadSize, DnsLimits.ClassicUdpPayload, maxUdpPayloadBytes) : DnsLimits.ClassicUdpPayload);
        var client = query.HasEcs
            ? new GtmClient(remote, true, new ClientAddress(query.EcsFamily == 2, query.EcsAddress), query.EcsSourcePrefix)
            : GtmClient.FromResolver(remote);
        int length = DnsResponder.Write(in query, name, status, configuration.Current, engine, counter, in client, response[..limit], out outcome, identity);
        stats.CountResponse(outcome);
        if (queryLog is not null && queryLog.TryAdmit())
        {
            queryLog.Write(in query, name, remote, tcp, in outcome);
        }

        return length;
    }
}
