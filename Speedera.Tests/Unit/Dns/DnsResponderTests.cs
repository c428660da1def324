using System.Net;
using Speedera.Core.Configuration;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;
using Speedera.Edge.Dns;
using Speedera.Tests.Unit.Gtm;

namespace Speedera.Tests.Unit.Dns;

/// <summary>The parse → resolve → respond path in process, without sockets.</summary>
public class DnsResponderTests
{
    private static readonly ClientAddress Client = ClientAddress.FromIPAddress(IPAddress.Parse("198.51.100.7"));

    internal static (DnsRequestProcessor Processor, DnsNodeState State) CreateProcessor(Func<NetworkConfiguration?>? config = null)
    {
        var configuration = TestNetwork.Create();
        var clock = new FakeTimeProvider(TestNetwork.Start);
        var state = new DnsNodeState(clock, new SeededRandomSource(1));
        state.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(clock.GetUtcNow()));
        var processor = new DnsRequestProcessor(new DnsConfigurationSource(config ?? (() => configuration)), state.Engine, state.Decisions, new DnsServerStats(), 1232);
        return (processor, state);
    }

    private static ParsedResponse Ask(byte[] query, bool tcp = false, DnsRequestProcessor? processor = null)
    {
        processor ??= CreateProcessor().Processor;
        var response = new byte[65535];
        int length = processor.Process(query, response, Client, tcp, out _);
        Assert.True(length > 0);
        return DnsTestMessages.Read(response.AsSpan(0, length));
    }

    [Fact]
    public void Gtm_hostname_is_answered_authoritatively_without_recursion()
    {
        var r = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, id: 77));
        Assert.Equal(77, r.Id);
        Assert.True(r.Has(DnsFlags.QR));
        Assert.True(r.Has(DnsFlags.AA));
        Assert.False(r.Has(DnsFlags.RA));
        Assert.True(r.Has(DnsFlags.RD));
        Assert.Equal(0, r.RCode);
        var answer = Assert.Single(r.Answers);
        Assert.Contains(answer.Text, new[] { "10.0.0.1", "10.0.0.2" });
        Assert.Equal(20u, answer.Ttl);
    }

    [Fact]
    public void Question_case_is_copied_exactly()
    {
        var r = Ask(DnsTestMessages.Query("WeIgHtEd.ExAmPlE.tEsT", DnsRecordType.A));
        Assert.Equal("WeIgHtEd.ExAmPlE.tEsT.", r.QuestionName);
        Assert.Equal("WeIgHtEd.ExAmPlE.tEsT.", r.Answers[0].Name);
    }

    [Fact]
    public void Missing_name_is_nxdomain_with_soa_in_authority()
    {
        var r = Ask(DnsTestMessages.Query("nope.example.test", DnsRecordType.A));
        Assert.Equal((int)DnsResponseCode.NXDomain, r.RCode);
        Assert.True(r.Has(DnsFlags.AA));
        Assert.Empty(r.Answers);
        var soa = Assert.Single(r.Authority);
        Assert.Equal(DnsRecordType.SOA, soa.Type);
        Assert.Equal("example.test.", soa.Name);
        Assert.Equal(300u, soa.Ttl);
    }

    [Fact]
    public void Existing_name_without_the_type_is_nodata_with_soa()
    {
        var r = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.AAAA));
        Assert.Equal(0, r.RCode);
        Assert.Empty(r.Answers);
        Assert.Equal(DnsRecordType.SOA, Assert.Single(r.Authority).Type);
    }

    [Fact]
    public void Empty_non_terminal_is_nodata_not_nxdomain()
    {
        var r = Ask(DnsTestMessages.Query("b.example.test", DnsRecordType.A));
        Assert.Equal(0, r.RCode);
        Assert.Empty(r.Answers);
        Assert.Single(r.Authority);
    }

    [Fact]
    public void Query_for_name_outside_zones_is_refused()
    {
        var r = Ask(DnsTestMessages.Query("www.google.com", DnsRecordType.A));
        Assert.Equal((int)DnsResponseCode.Refused, r.RCode);
        Assert.False(r.Has(DnsFlags.AA));
        Assert.Empty(r.Answers);
    }

    [Fact]
    public void Apex_ns_query_returns_glue_for_in_zone_name_servers_only()
    {
        var r = Ask(DnsTestMessages.Query("example.test", DnsRecordType.NS));
        Assert.Equal(["ns1.example.test.", "ns2.other.invalid."], r.Answers.Select(a => a.Text).Order());
        Assert.Equal(["192.0.2.53", "2001:db8::53"], r.Additional.Select(a => a.Text).Order());
        Assert.All(r.Additional, a => Assert.Equal("ns1.example.test.", a.Name));
    }

    [Fact]
    public void Apex_soa_query_is_answered()
    {
        var r = Ask(DnsTestMessages.Query("example.test", DnsRecordType.SOA));
        var soa = Assert.Single(r.Answers);
        Assert.Equal(DnsRecordType.SOA, soa.Type);
        Assert.Equal("ns1.example.test.", soa.Text);
        Assert.Equal(3600u, soa.Ttl);
    }

    [Fact]
    public void Cname_inside_the_zone_is_followed_to_the_gtm_answer()
    {
        var r = Ask(DnsTestMessages.Query("www.example.test", DnsRecordType.A));
        Assert.Equal(2, r.Answers.Count);
        Assert.Equal(DnsRecordType.CNAME, r.Answers[0].Type);
        Assert.Equal("gtm.example.test.", r.Answers[0].Text);
        Assert.Equal(DnsRecordType.A, r.Answers[1].Type);
        Assert.Equal("gtm.example.test.", r.Answers[1].Name);
    }

    [Fact]
    public void Cname_leaving_the_zone_is_answered_alone()
    {
        var r = Ask(DnsTestMessages.Query("outside.example.test", DnsRecordType.A));
        Assert.Equal(0, r.RCode);
        Assert.Equal(DnsRecordType.CNAME, Assert.Single(r.Answers).Type);
    }

    [Fact]
    public void Name_below_a_delegation_gets_a_referral_with_glue()
    {
        var r = Ask(DnsTestMessages.Query("host.deleg.example.test", DnsRecordType.A));
        Assert.Equal(0, r.RCode);
        Assert.False(r.Has(DnsFlags.AA));
        Assert.Empty(r.Answers);
        Assert.Equal("ns.deleg.example.test.", Assert.Single(r.Authority).Text);
        Assert.Equal("192.0.2.99", Assert.Single(r.Additional).Text);
    }

    [Fact]
    public void Any_query_gets_a_minimal_hinfo_answer()
    {
        var r = Ask(DnsTestMessages.Query("static.example.test", DnsRecordType.ANY));
        var hinfo = Assert.Single(r.Answers);
        Assert.Equal(DnsRecordType.HINFO, hinfo.Type);
        Assert.Equal("RFC8482"u8.ToArray(), hinfo.Data.Skip(1).Take(7).ToArray());
    }

    [Fact]
    public void Txt_and_static_address_records_are_answered()
    {
        Assert.Equal("192.0.2.10", Assert.Single(Ask(DnsTestMessages.Query("static.example.test", DnsRecordType.A)).Answers).Text);
        Assert.Equal("2001:db8::10", Assert.Single(Ask(DnsTestMessages.Query("static.example.test", DnsRecordType.AAAA)).Answers).Text);
        var txt = Assert.Single(Ask(DnsTestMessages.Query("txt.example.test", DnsRecordType.TXT)).Answers);
        Assert.StartsWith("record 000", System.Text.Encoding.ASCII.GetString(txt.Data, 1, txt.Data[0]), StringComparison.Ordinal);
    }

    [Fact]
    public void Answer_too_big_for_udp_sets_tc_and_tcp_gets_it_whole()
    {
        var config = TestNetwork.Create(txtRecords: 30);
        var (processor, _) = CreateProcessor(() => config);
        var udp = Ask(DnsTestMessages.Query("txt.example.test", DnsRecordType.TXT), processor: processor);
        Assert.True(udp.Has(DnsFlags.TC));
        Assert.Empty(udp.Answers);
        var udpEdns = Ask(DnsTestMessages.Query("txt.example.test", DnsRecordType.TXT, edns: true, payload: 1232), processor: processor);
        Assert.True(udpEdns.Has(DnsFlags.TC));
        Assert.NotNull(udpEdns.Opt);
        var tcp = Ask(DnsTestMessages.Query("txt.example.test", DnsRecordType.TXT), tcp: true, processor: processor);
        Assert.False(tcp.Has(DnsFlags.TC));
        Assert.Equal(30, tcp.Answers.Count);
    }

    [Fact]
    public void Edns_query_gets_opt_with_our_buffer_size()
    {
        var r = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true, payload: 4096, dnssecOk: true));
        var opt = Assert.IsType<ParsedRecord>(r.Opt);
        Assert.Equal(0x8000u, opt.Ttl);
        Assert.Equal(".", opt.Name);
        var noEdns = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A));
        Assert.Null(noEdns.Opt);
    }

    [Fact]
    public void Client_subnet_is_echoed_with_a_scope()
    {
        var r = Ask(DnsTestMessages.Query("gtm.example.test", DnsRecordType.A, edns: true, ecs: "203.0.113.0/24"));
        var opt = Assert.IsType<ParsedRecord>(r.Opt);
        // code 8, length 7, family 1, source 24, scope 24, 203.0.113
        Assert.Equal(new byte[] { 0, 8, 0, 7, 0, 1, 24, 24, 203, 0, 113 }, opt.Data);
        Assert.Equal("10.0.0.3", Assert.Single(r.Answers).Text);

        var staticName = Ask(DnsTestMessages.Query("static.example.test", DnsRecordType.A, edns: true, ecs: "203.0.113.0/24"));
        Assert.Equal(0, staticName.Opt!.Data[7]);
    }

    [Fact]
    public void Ipv6_client_subnet_is_echoed_with_the_source_prefix_bytes()
    {
        var r = Ask(DnsTestMessages.Query("gtm.example.test", DnsRecordType.A, edns: true, ecs: "2001:db8:aa00::/40"));
        // family 2, source 40, scope 40 (the latency group is /48, capped by what the client revealed).
        Assert.Equal(new byte[] { 0, 8, 0, 9, 0, 2, 40, 40, 0x20, 0x01, 0x0d, 0xb8, 0xaa }, r.Opt!.Data);
    }

    [Fact]
    public void Client_subnet_with_source_prefix_0_is_echoed_with_scope_0()
    {
        var r = Ask(DnsTestMessages.Query("gtm.example.test", DnsRecordType.A, edns: true, ecs: "0.0.0.0/0"));
        Assert.Equal(new byte[] { 0, 8, 0, 4, 0, 1, 0, 0 }, r.Opt!.Data);
    }

    [Fact]
    public void Edns_version_1_gets_badvers()
    {
        var r = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true, ednsVersion: 1));
        Assert.Equal((int)DnsResponseCode.BadVers, r.RCode);
        Assert.Empty(r.Answers);
        Assert.Equal(0u, (r.Opt!.Ttl >> 16) & 0xFF);
    }

    [Fact]
    public void Malformed_query_gets_formerr()
    {
        var query = DnsTestMessages.Query("weighted.example.test", DnsRecordType.A);
        query[5] = 3;
        var r = Ask(query);
        Assert.Equal((int)DnsResponseCode.FormErr, r.RCode);
        Assert.Equal(0, r.QuestionCount);
    }

    [Fact]
    public void Unknown_opcode_gets_notimp()
    {
        var r = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, flags: 4 << DnsFlags.OpCodeShift));
        Assert.Equal((int)DnsResponseCode.NotImp, r.RCode);
        Assert.Equal(4, (r.Flags & DnsFlags.OpCodeMask) >> DnsFlags.OpCodeShift);
    }

    [Fact]
    public void Zone_transfer_and_chaos_class_are_refused()
    {
        Assert.Equal((int)DnsResponseCode.Refused, Ask(DnsTestMessages.Query("example.test", DnsRecordType.AXFR)).RCode);
        var chaos = DnsTestMessages.Query("version.bind", DnsRecordType.TXT);
        chaos[^1] = 3;
        Assert.Equal((int)DnsResponseCode.Refused, Ask(chaos).RCode);
    }

    [Fact]
    public void Without_configuration_the_server_answers_servfail()
    {
        var (processor, _) = CreateProcessor(() => null);
        Assert.Equal((int)DnsResponseCode.ServFail, Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A), processor: processor).RCode);
    }

    [Fact]
    public void Decisions_are_counted_per_hostname_and_address()
    {
        var (processor, state) = CreateProcessor();
        for (int i = 0; i < 10; i++)
        {
            Ask(DnsTestMessages.Query("noload.example.test", DnsRecordType.A), processor: processor);
        }

        var row = Assert.Single(state.Decisions.Drain(includeCurrent: true));
        Assert.Equal(("noload.example.test", "10.0.0.9", "nyc", 10L), (row.Hostname, row.Address, row.PopId, row.Count));
    }

    [Fact]
    public void Hot_path_does_not_allocate()
    {
        var (processor, _) = CreateProcessor();
        var query = DnsTestMessages.Query("gtm.example.test", DnsRecordType.A, edns: true, ecs: "198.51.100.0/24");
        var response = new byte[1232];
        for (int i = 0; i < 20_000; i++)
        {
            processor.Process(query, response, Client, false, out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            processor.Process(query, response, Client, false, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
