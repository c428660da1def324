using Speedera.Core.Dns;

namespace Speedera.Tests.Unit.Dns;

public class DnsCodecTests
{
    private static DnsParseStatus Parse(byte[] message, out DnsQuery query, out byte[] name)
    {
        name = new byte[256];
        return DnsQueryParser.Parse(message, name, out query);
    }

    [Fact]
    public void Plain_query_is_parsed_with_its_exact_case()
    {
        var message = DnsTestMessages.Query("WwW.ExAmple.TEST", DnsRecordType.A, id: 0xBEEF);
        Assert.Equal(DnsParseStatus.Ok, Parse(message, out var q, out var name));
        Assert.Equal(0xBEEF, q.Id);
        Assert.Equal((ushort)DnsRecordType.A, q.QType);
        Assert.True(q.RecursionDesired);
        Assert.False(q.HasEdns);
        Assert.Equal("WwW.ExAmple.TEST.", DnsName.ToText(name.AsSpan(0, q.NameLength)));
    }

    [Fact]
    public void Edns_payload_size_and_do_bit_are_read()
    {
        Assert.Equal(DnsParseStatus.Ok, Parse(DnsTestMessages.Query("a.test", DnsRecordType.A, edns: true, payload: 4096, dnssecOk: true), out var q, out _));
        Assert.True(q.HasEdns);
        Assert.Equal(4096, q.UdpPayloadSize);
        Assert.True(q.DnssecOk);
    }

    [Fact]
    public void Edns_payload_below_512_counts_as_512()
    {
        Assert.Equal(DnsParseStatus.Ok, Parse(DnsTestMessages.Query("a.test", DnsRecordType.A, edns: true, payload: 100), out var q, out _));
        Assert.Equal(512, q.UdpPayloadSize);
    }

    [Fact]
    public void Edns_version_above_zero_is_badvers()
    {
        Assert.Equal(DnsParseStatus.BadVers, Parse(DnsTestMessages.Query("a.test", DnsRecordType.A, edns: true, ednsVersion: 1), out _, out _));
    }

    [Fact]
    public void Unknown_edns_option_is_ignored()
    {
        var cookie = new byte[] { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
        Assert.Equal(DnsParseStatus.Ok, Parse(DnsTestMessages.Query("a.test", DnsRecordType.A, edns: true, extraOption: cookie), out var q, out _));
        Assert.False(q.HasEcs);
    }

    [Fact]
    public void Client_subnet_option_is_parsed()
    {
        Assert.Equal(DnsParseStatus.Ok, Parse(DnsTestMessages.Query("a.test", DnsRecordType.A, edns: true, ecs: "198.51.100.0/24"), out var q, out _));
        Assert.True(q.HasEcs);
        Assert.Equal(1, q.EcsFamily);
        Assert.Equal(24, q.EcsSourcePrefix);
        Assert.Equal((UInt128)0xC6336400u, q.EcsAddress);
    }

    [Fact]
    public void Client_subnet_with_bits_beyond_the_prefix_is_formerr()
    {
        var option = new byte[] { 0, 8, 0, 7, 0, 1, 20, 0, 198, 51, 100 };
        Assert.Equal(DnsParseStatus.FormErr, Parse(DnsTestMessages.Query("a.test", DnsRecordType.A, edns: true, extraOption: option), out _, out _));
    }

    [Fact]
    public void Client_subnet_with_unknown_family_is_formerr()
    {
        var option = new byte[] { 0, 8, 0, 4, 0, 9, 0, 0 };
        Assert.Equal(DnsParseStatus.FormErr, Parse(DnsTestMessages.Query("a.test", DnsRecordType.A, edns: true, extraOption: option), out _, out _));
    }

    [Fact]
    public void Two_opt_records_are_formerr()
    {
        var message = DnsTestMessages.Query("a.test", DnsRecordType.A, edns: true).ToList();
        var opt = message.Skip(message.Count - 11).ToArray();
        message.AddRange(opt);
        message[11] = 2;
        Assert.Equal(DnsParseStatus.FormErr, Parse([.. message], out _, out _));
    }

    [Fact]
    public void Response_packets_are_dropped()
    {
        Assert.Equal(DnsParseStatus.Drop, Parse(DnsTestMessages.Query("a.test", DnsRecordType.A, flags: DnsFlags.QR), out _, out _));
        Assert.Equal(DnsParseStatus.Drop, Parse(new byte[11], out _, out _));
    }

    [Fact]
    public void Unknown_opcode_is_notimp()
    {
        Assert.Equal(DnsParseStatus.NotImp, Parse(DnsTestMessages.Query("a.test", DnsRecordType.A, flags: 2 << DnsFlags.OpCodeShift), out _, out _));
    }

    [Fact]
    public void Wrong_question_count_is_formerr()
    {
        var message = DnsTestMessages.Query("a.test", DnsRecordType.A);
        message[5] = 2;
        Assert.Equal(DnsParseStatus.FormErr, Parse(message, out _, out _));
        message[5] = 0;
        Assert.Equal(DnsParseStatus.FormErr, Parse(message, out _, out _));
    }

    [Fact]
    public void Truncated_question_is_formerr()
    {
        var message = DnsTestMessages.Query("abc.test", DnsRecordType.A);
        for (int cut = 12; cut < message.Length; cut++)
        {
            Assert.Equal(DnsParseStatus.FormErr, Parse(message[..cut], out _, out _));
        }
    }

    [Fact]
    public void Compression_pointer_loop_is_rejected()
    {
        // Header, then a name that is a pointer to itself.
        byte[] message = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1];
        Assert.Equal(DnsParseStatus.FormErr, Parse(message, out _, out _));
        var name = new byte[256];
        Assert.False(DnsName.TryRead(message, 12, name, out _, out _));
    }

    [Fact]
    public void Forward_compression_pointer_is_rejected()
    {
        byte[] message = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 18, 0, 1, 0, 1, 1, (byte)'a', 0];
        Assert.Equal(DnsParseStatus.FormErr, Parse(message, out _, out _));
    }

    [Fact]
    public void Backward_pointer_chain_is_followed()
    {
        // "a" + root at 12, then a name "b" + pointer to 12 read from offset 15.
        byte[] message = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0, 1, (byte)'b', 0xC0, 12];
        var name = new byte[256];
        Assert.True(DnsName.TryRead(message, 15, name, out int length, out int next));
        Assert.Equal("b.a.", DnsName.ToText(name.AsSpan(0, length)));
        Assert.Equal(19, next);
    }

    [Fact]
    public void Label_longer_than_63_and_name_longer_than_255_are_rejected()
    {
        var message = new List<byte> { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 64 };
        message.AddRange(Enumerable.Repeat((byte)'a', 64));
        message.AddRange([0, 0, 1, 0, 1]);
        Assert.Equal(DnsParseStatus.FormErr, Parse([.. message], out _, out _));

        var longName = string.Join('.', Enumerable.Repeat(new string('a', 63), 4));
        Assert.Equal(DnsParseStatus.FormErr, Parse(DnsTestMessages.Query(longName, DnsRecordType.A), out _, out _));
        var longest = string.Join('.', Enumerable.Repeat(new string('a', 63), 3)) + "." + new string('b', 61);
        Assert.Equal(DnsParseStatus.Ok, Parse(DnsTestMessages.Query(longest, DnsRecordType.A), out var q, out _));
        Assert.Equal(255, q.NameLength);
    }

    [Fact]
    public void Writer_compresses_repeated_names_case_insensitively()
    {
        var buffer = new byte[512];
        var writer = new DnsMessageWriter(buffer);
        Assert.True(writer.TryWriteHeader(1, DnsFlags.QR, 1));
        Assert.True(writer.TryWriteQuestion(DnsName.Encode("WWW.Example.test").Select((b, i) => b).ToArray(), 1, 1));
        Assert.True(writer.TryWriteRecord(DnsSection.Answer, DnsName.Encode("www.example.test"), DnsRecordType.A, 60, [1, 2, 3, 4]));
        Assert.True(writer.TryWriteNameRecord(DnsSection.Authority, DnsName.Encode("example.test"), DnsRecordType.NS, 60, DnsName.Encode("ns1.example.test")));
        int length = writer.Finish();
        // Owner names become 2-byte pointers, "ns1" + pointer for the NS target.
        Assert.Equal(12 + 18 + 4 + (2 + 10 + 4) + (2 + 10 + 4 + 2), length);
        var parsed = DnsTestMessages.Read(buffer.AsSpan(0, length));
        Assert.Equal("www.example.test.", parsed.Answers[0].Name);
        Assert.Equal("example.test.", parsed.Authority[0].Name);
        Assert.Equal("ns1.example.test.", parsed.Authority[0].Text);
    }

    [Fact]
    public void Writer_never_points_into_the_name_it_is_still_writing()
    {
        // Found by the fuzz test: with the label "x" written and a zero byte after it in the buffer,
        // the suffix "x." seemed to be at offset 12 already, making a pointer loop.
        var buffer = new byte[64];
        var writer = new DnsMessageWriter(buffer);
        writer.TryWriteHeader(1, DnsFlags.QR, 1);
        Assert.True(writer.TryWriteQuestion(DnsName.Encode("x.x"), 1, 1));
        var name = new byte[256];
        Assert.True(DnsName.TryRead(buffer, 12, name, out int length, out int next));
        Assert.Equal("x.x.", DnsName.ToText(name.AsSpan(0, length)));
        Assert.Equal(17, next);
    }

    [Fact]
    public void Writer_leaves_itself_unchanged_when_a_record_does_not_fit()
    {
        var buffer = new byte[40];
        var writer = new DnsMessageWriter(buffer);
        writer.TryWriteHeader(1, 0, 1);
        writer.TryWriteQuestion(DnsName.Encode("a.test"), 1, 1);
        int before = writer.Position;
        Assert.False(writer.TryWriteRecord(DnsSection.Answer, DnsName.Encode("other.name.test"), DnsRecordType.TXT, 1, new byte[20]));
        Assert.Equal(before, writer.Position);
        Assert.Equal(0, writer.AnswerCount);
    }
}
