using System.Text.RegularExpressions;

namespace Speedera.Tests.Integration.Dns;

/// <summary>Real clients (BIND's dig, Knot's kdig) against the server on loopback.</summary>
public class DigTests(LoopbackDnsServer server) : IClassFixture<LoopbackDnsServer>
{
    private static readonly Regex WeightedAnswer = new(@"^weighted\.example\.test\.\s+20\s+IN\s+A\s+10\.0\.0\.[12]\s*$", RegexOptions.Multiline);

    [Theory]
    [InlineData("+notcp")]
    [InlineData("+tcp")]
    public async Task Dig_gets_an_authoritative_gtm_answer_without_recursion_available(string transport)
    {
        var output = await DnsTool.DigAsync(server, "weighted.example.test", "A", transport);
        Assert.Contains("status: NOERROR", output, StringComparison.Ordinal);
        Assert.Matches(@";; flags: qr aa rd; QUERY: 1, ANSWER: 1,", output);
        Assert.Matches(WeightedAnswer, output);
        Assert.Contains(transport == "+tcp" ? "(TCP)" : "(UDP)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+notcp")]
    [InlineData("+tcp")]
    public async Task Kdig_gets_an_authoritative_gtm_answer_without_recursion_available(string transport)
    {
        var output = await DnsTool.KdigAsync(server, "weighted.example.test", "A", transport);
        Assert.Contains("status: NOERROR", output, StringComparison.Ordinal);
        Assert.Contains(";; Flags: qr aa rd; QUERY: 1; ANSWER: 1;", output, StringComparison.Ordinal);
        Assert.Matches(WeightedAnswer, output);
        Assert.Contains(transport == "+tcp" ? "(TCP)" : "(UDP)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dig_sees_edns_version_0_and_our_1232_byte_buffer()
    {
        var output = await DnsTool.DigAsync(server, "static.example.test", "A");
        Assert.Contains("; EDNS: version: 0, flags:; udp: 1232", output, StringComparison.Ordinal);
        Assert.Matches(@"static\.example\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.10", output);
    }

    [Fact]
    public async Task Dig_client_subnet_is_echoed_with_scope_and_steers_the_answer()
    {
        var output = await DnsTool.DigAsync(server, "gtm.example.test", "A", "+subnet=203.0.113.0/24");
        Assert.Contains("; CLIENT-SUBNET: 203.0.113.0/24/24", output, StringComparison.Ordinal);
        // 203.0.113.0/24 is statically mapped to s3.
        Assert.Matches(@"gtm\.example\.test\.\s+20\s+IN\s+A\s+10\.0\.0\.3", output);
    }

    [Fact]
    public async Task Kdig_client_subnet_is_echoed()
    {
        var output = await DnsTool.KdigAsync(server, "gtm.example.test", "A", "+subnet=203.0.113.0/24", "+tcp");
        Assert.Contains("CLIENT-SUBNET: 203.0.113.0/24/24", output, StringComparison.Ordinal);
        Assert.Matches(@"gtm\.example\.test\.\s+20\s+IN\s+A\s+10\.0\.0\.3", output);
    }

    [Fact]
    public async Task Dig_missing_name_is_nxdomain_with_the_soa()
    {
        var output = await DnsTool.DigAsync(server, "missing.example.test", "A");
        Assert.Contains("status: NXDOMAIN", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^example\.test\.\s+300\s+IN\s+SOA\s+ns1\.example\.test\. hostmaster\.example\.test\. 2026112201 3600 600 604800 300", output);
        Assert.Contains("ANSWER: 0, AUTHORITY: 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dig_existing_name_without_the_type_is_nodata_with_the_soa()
    {
        var output = await DnsTool.DigAsync(server, "static.example.test", "TXT");
        Assert.Contains("status: NOERROR", output, StringComparison.Ordinal);
        Assert.Contains("ANSWER: 0, AUTHORITY: 1", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^example\.test\.\s+300\s+IN\s+SOA", output);
    }

    [Fact]
    public async Task Query_for_name_outside_zones_is_refused()
    {
        var output = await DnsTool.DigAsync(server, "www.example.com", "A");
        Assert.Contains("status: REFUSED", output, StringComparison.Ordinal);
        Assert.Contains(";; flags: qr rd;", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_udp_answer_makes_dig_retry_over_tcp()
    {
        var output = await DnsTool.DigAsync(server, "txt.example.test", "TXT", "+noedns");
        Assert.Contains(";; Truncated, retrying in TCP mode.", output, StringComparison.Ordinal);
        Assert.Contains("ANSWER: 30,", output, StringComparison.Ordinal);
        Assert.Contains("(TCP)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dig_question_case_is_echoed_exactly()
    {
        var output = await DnsTool.DigAsync(server, "WeIgHtEd.ExAmPlE.TeSt", "A");
        Assert.Contains(";WeIgHtEd.ExAmPlE.TeSt.\t", output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^WeIgHtEd\.ExAmPlE\.TeSt\.\s+20\s+IN\s+A\s+10\.0\.0\.[12]", output);
    }

    [Fact]
    public async Task Dig_apex_ns_comes_with_glue()
    {
        var output = await DnsTool.DigAsync(server, "example.test", "NS");
        Assert.Matches(@"(?m)^example\.test\.\s+86400\s+IN\s+NS\s+ns1\.example\.test\.", output);
        Assert.Matches(@"(?m)^ns1\.example\.test\.\s+86400\s+IN\s+A\s+192\.0\.2\.53", output);
        Assert.Matches(@"(?m)^ns1\.example\.test\.\s+86400\s+IN\s+AAAA\s+2001:db8::53", output);
    }

    [Fact]
    public async Task Dig_any_gets_the_rfc8482_hinfo()
    {
        var output = await DnsTool.DigAsync(server, "static.example.test", "ANY");
        Assert.Matches(@"static\.example\.test\.\s+\d+\s+IN\s+HINFO\s+""RFC8482"" """"", output);
    }

    [Fact]
    public async Task Dig_unknown_opcode_gets_notimp()
    {
        var output = await DnsTool.DigAsync(server, "weighted.example.test", "A", "+opcode=status");
        Assert.Contains("opcode: STATUS, status: NOTIMP", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dig_edns_version_1_gets_badvers()
    {
        var output = await DnsTool.DigAsync(server, "weighted.example.test", "A", "+edns=1", "+noednsnegotiation");
        Assert.Contains("status: BADVERS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kdig_aaaa_for_the_gtm_hostname_gets_the_ipv6_candidate()
    {
        var output = await DnsTool.KdigAsync(server, "gtm.example.test", "AAAA");
        Assert.Matches(@"gtm\.example\.test\.\s+20\s+IN\s+AAAA\s+2001:db8::6", output);
    }
}
