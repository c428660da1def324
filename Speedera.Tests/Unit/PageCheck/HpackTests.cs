using Speedera.Core.PageCheck;
using Speedera.Edge.Probe.PageCheck;

namespace Speedera.Tests.Unit.PageCheck;

/// <summary>The agent's HPACK decoder against the examples of RFC 7541 Appendix C, and its encoder round trip.</summary>
public sealed class HpackTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    private static string Text(List<HeaderPair> headers) => string.Join("\n", headers.Select(h => $"{h.Name}: {h.Value}"));

    [Fact]
    public void Requests_without_huffman_decode_as_in_rfc_7541_c3_1()
    {
        var decoder = new Hpack.Decoder();
        var headers = decoder.Decode(Hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"));
        Assert.Equal(":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com", Text(headers));
    }

    [Fact]
    public void Huffman_requests_decode_with_the_dynamic_table_as_in_rfc_7541_c4()
    {
        var decoder = new Hpack.Decoder();
        Assert.Equal(":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com", Text(decoder.Decode(Hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"))));
        Assert.Equal(":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\ncache-control: no-cache", Text(decoder.Decode(Hex("8286 84be 5886 a8eb 1064 9cbf"))));
        Assert.Equal(":method: GET\n:scheme: https\n:path: /index.html\n:authority: www.example.com\ncustom-key: custom-value",
            Text(decoder.Decode(Hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"))));
    }

    [Fact]
    public void Bad_huffman_padding_and_indexes_outside_the_tables_are_refused()
    {
        Assert.Throws<BadResponseException>(() => Hpack.HuffmanDecode([0xf1, 0xe3, 0x00]));
        Assert.Throws<BadResponseException>(() => new Hpack.Decoder().Decode([0xbe]));
    }

    [Fact]
    public void Encoded_request_headers_decode_to_the_same_lower_case_fields()
    {
        var headers = new[] { new HeaderPair(":method", "GET"), new HeaderPair(":path", "/a?b=c"), new HeaderPair("User-Agent", new string('x', 300)) };
        var decoded = new Hpack.Decoder().Decode(Hpack.Encode(headers));
        Assert.Equal([":method", ":path", "user-agent"], decoded.Select(h => h.Name));
        Assert.Equal(headers.Select(h => h.Value), decoded.Select(h => h.Value));
    }
}
