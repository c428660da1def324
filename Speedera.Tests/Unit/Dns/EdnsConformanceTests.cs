using System.Buffers.Binary;
using System.Net;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;
using Speedera.Edge.Dns;
using Speedera.Tests.Unit.Gtm;

namespace Speedera.Tests.Unit.Dns;

/// <summary>
/// The points an independent compliance run (ISC's DNS Flag Day tester, RFC 8906 queries) found, and
/// NSID (RFC 5001) and DNS cookies (RFC 7873 / RFC 9018).
/// </summary>
public class EdnsConformanceTests
{
    private static readonly ClientAddress Client = ClientAddress.FromIPAddress(IPAddress.Parse("198.51.100.7"));

    private static (DnsRequestProcessor Processor, FakeTimeProvider Clock, DnsServerIdentity Identity) Create()
    {
        var configuration = TestNetwork.Create();
        var clock = new FakeTimeProvider(TestNetwork.Start);
        var state = new DnsNodeState(clock, new SeededRandomSource(1));
        state.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(clock.GetUtcNow()));
        var identity = new DnsServerIdentity("lhr-dns-1", clock);
        var processor = new DnsRequestProcessor(new DnsConfigurationSource(() => configuration), state.Engine, state.Decisions, new DnsServerStats(), 1232, null, identity);
        return (processor, clock, identity);
    }

    private static ParsedResponse Ask(byte[] query, DnsRequestProcessor? processor = null, ClientAddress? from = null)
    {
        processor ??= Create().Processor;
        var response = new byte[65535];
        int length = processor.Process(query, response, from ?? Client, false, out _);
        Assert.True(length > 0, "no response");
        return DnsTestMessages.Read(response.AsSpan(0, length));
    }

    private static byte[] Option(ushort code, params byte[] data) =>
        [(byte)(code >> 8), (byte)code, (byte)(data.Length >> 8), (byte)data.Length, .. data];

    /// <summary>The options of an OPT record's RDATA as (code, data).</summary>
    private static List<(ushort Code, byte[] Data)> Options(ParsedRecord opt)
    {
        var list = new List<(ushort, byte[])>();
        var d = opt.Data;
        for (int pos = 0; pos + 4 <= d.Length;)
        {
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos));
            int len = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos + 2));
            list.Add((code, d.AsSpan(pos + 4, len).ToArray()));
            pos += 4 + len;
        }

        return list;
    }

    [Fact]
    public void Two_opt_records_get_formerr_with_an_opt()
    {
        var query = DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true);
        var opt = query[^11..];
        byte[] twice = [.. query, .. opt];
        twice[11] = 2;
        var r = Ask(twice);
        Assert.Equal((int)DnsResponseCode.FormErr, r.RCode);
        Assert.NotNull(r.Opt);
        Assert.Empty(r.Answers);
    }

    [Fact]
    public void Malformed_client_subnet_gets_formerr_with_an_opt_and_no_subnet_echo()
    {
        // Source prefix 24 with only two address octets.
        var query = DnsTestMessages.Query("gtm.example.test", DnsRecordType.A, edns: true, extraOption: Option(8, 0, 1, 24, 0, 198, 51));
        var r = Ask(query);
        Assert.Equal((int)DnsResponseCode.FormErr, r.RCode);
        Assert.NotNull(r.Opt);
        Assert.DoesNotContain(Options(r.Opt!), o => o.Code == 8);
    }

    [Fact]
    public void Opt_with_a_non_root_owner_gets_formerr_with_an_opt()
    {
        var query = DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true);
        // Replace the OPT's root owner (one zero octet) by the name "a".
        int optStart = query.Length - 11;
        byte[] renamed = [.. query[..optStart], 1, (byte)'a', 0, .. query[(optStart + 1)..]];
        var r = Ask(renamed);
        Assert.Equal((int)DnsResponseCode.FormErr, r.RCode);
        Assert.NotNull(r.Opt);
        Assert.Equal(".", r.Opt!.Name);
    }

    [Fact]
    public void No_question_with_an_opt_gets_formerr_with_an_opt()
    {
        var query = DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true);
        int questionEnd = query.Length - 11;
        byte[] noQuestion = [.. query[..12], .. query[questionEnd..]];
        noQuestion[5] = 0;
        var r = Ask(noQuestion);
        Assert.Equal((int)DnsResponseCode.FormErr, r.RCode);
        Assert.Equal(0, r.QuestionCount);
        Assert.NotNull(r.Opt);
    }

    [Fact]
    public void Formerr_without_opt_in_the_query_has_none()
    {
        var query = DnsTestMessages.Query("weighted.example.test", DnsRecordType.A);
        query[5] = 0;
        var r = Ask(query[..12]);
        Assert.Equal((int)DnsResponseCode.FormErr, r.RCode);
        Assert.Null(r.Opt);
    }

    [Fact]
    public void Unknown_opcode_notimp_copies_neither_rd_nor_cd()
    {
        var r = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, flags: (ushort)((15 << DnsFlags.OpCodeShift) | DnsFlags.RD | DnsFlags.CD)));
        Assert.Equal((int)DnsResponseCode.NotImp, r.RCode);
        Assert.Equal(15, (r.Flags & DnsFlags.OpCodeMask) >> DnsFlags.OpCodeShift);
        Assert.False(r.Has(DnsFlags.RD));
        Assert.False(r.Has(DnsFlags.CD));
        Assert.True(r.Has(DnsFlags.QR));
    }

    [Fact]
    public void Badvers_does_not_echo_the_client_subnet()
    {
        var r = Ask(DnsTestMessages.Query("gtm.example.test", DnsRecordType.A, edns: true, ednsVersion: 1, ecs: "198.51.100.0/24"));
        Assert.Equal((int)DnsResponseCode.BadVers, r.RCode);
        Assert.DoesNotContain(Options(r.Opt!), o => o.Code == 8);
    }

    [Fact]
    public void Nsid_request_is_answered_with_the_node_id()
    {
        var r = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true, extraOption: Option(3)));
        var nsid = Assert.Single(Options(r.Opt!), o => o.Code == 3);
        Assert.Equal("lhr-dns-1", System.Text.Encoding.UTF8.GetString(nsid.Data));
        var plain = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true));
        Assert.DoesNotContain(Options(plain.Opt!), o => o.Code == 3);
    }

    [Fact]
    public void Client_cookie_gets_a_server_cookie_that_then_verifies()
    {
        var (processor, clock, identity) = Create();
        byte[] clientCookie = [1, 2, 3, 4, 5, 6, 7, 8];
        var first = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true, extraOption: Option(10, clientCookie)), processor);
        var cookie = Assert.Single(Options(first.Opt!), o => o.Code == 10).Data;
        Assert.Equal(24, cookie.Length);
        Assert.Equal(clientCookie, cookie[..8]);
        Assert.Equal(1, cookie[8]);

        // The client returns the whole cookie: it verifies for this client only, and until an hour has passed.
        var echoed = DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true, extraOption: Option(10, cookie));
        Assert.True(ValidFor(echoed, Client, processor));
        Assert.False(ValidFor(echoed, ClientAddress.FromIPAddress(IPAddress.Parse("198.51.100.8")), processor));
        var tampered = (byte[])echoed.Clone();
        tampered[^1] ^= 1;
        Assert.False(ValidFor(tampered, Client, processor));

        identity.RotateCookieSecret();
        Assert.True(ValidFor(echoed, Client, processor), "a cookie made with the previous secret still verifies");
        identity.RotateCookieSecret();
        Assert.False(ValidFor(echoed, Client, processor), "two rotations later it does not");

        var fresh = Assert.Single(Options(Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true, extraOption: Option(10, clientCookie)), processor).Opt!), o => o.Code == 10).Data;
        var again = DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true, extraOption: Option(10, fresh));
        Assert.True(ValidFor(again, Client, processor));
        clock.Advance(TimeSpan.FromMinutes(61));
        Assert.False(ValidFor(again, Client, processor), "older than an hour");
    }

    [Theory]
    [InlineData(7)]
    [InlineData(12)]
    [InlineData(41)]
    public void Cookie_of_a_bad_length_is_formerr(int length)
    {
        var r = Ask(DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, edns: true, extraOption: Option(10, new byte[length])));
        Assert.Equal((int)DnsResponseCode.FormErr, r.RCode);
        Assert.NotNull(r.Opt);
    }

    [Fact]
    public void Cookie_and_nsid_answers_do_not_allocate()
    {
        var (processor, _, _) = Create();
        var query = DnsTestMessages.Query("gtm.example.test", DnsRecordType.A, edns: true, ecs: "198.51.100.0/24", extraOption: [.. Option(3), .. Option(10, 1, 2, 3, 4, 5, 6, 7, 8)]);
        var response = new byte[1232];
        for (int i = 0; i < 2_000; i++)
        {
            processor.Process(query, response, Client, false, out _);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5_000; i++)
        {
            processor.Process(query, response, Client, false, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Siphash_matches_the_reference_vector()
    {
        // SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e (15 bytes) → a129ca6149be45e5.
        byte[] key = [.. Enumerable.Range(0, 16).Select(i => (byte)i)];
        byte[] message = [.. Enumerable.Range(0, 15).Select(i => (byte)i)];
        ulong k0 = BinaryPrimitives.ReadUInt64LittleEndian(key), k1 = BinaryPrimitives.ReadUInt64LittleEndian(key.AsSpan(8));
        Assert.Equal(0xa129ca6149be45e5UL, SipHash.Hash24(k0, k1, message));
    }

    private static bool ValidFor(byte[] query, ClientAddress from, DnsRequestProcessor processor)
    {
        var response = new byte[1232];
        processor.Process(query, response, from, false, out var outcome);
        return outcome.ValidServerCookie;
    }
}
