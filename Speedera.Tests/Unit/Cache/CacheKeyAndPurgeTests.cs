using Speedera.Core.Cache;
using Speedera.Edge.Cache;

namespace Speedera.Tests.Unit.Cache;

public class CacheKeyTests
{
    [Theory]
    [InlineData("/www.customer.com/images/test.gif", "www.customer.com", "/images/test.gif")]
    [InlineData("/www.customer.com", "www.customer.com", "/")]
    [InlineData("/www.customer.com?x=1", "www.customer.com", "/?x=1")]
    [InlineData("/www.customer.com/a?b=/c", "www.customer.com", "/a?b=/c")]
    public void Path_form_splits_the_origin_hostname_from_the_path(string target, string host, string path)
    {
        Assert.True(CacheKey.TryParsePathForm(target, out var segment, out var originPath));
        Assert.Equal(host, segment.ToString());
        Assert.Equal(path, originPath);
    }

    [Theory]
    [InlineData("/images/test.gif")]
    [InlineData("/")]
    [InlineData("*")]
    public void Targets_without_a_dotted_first_segment_are_not_path_form(string target)
    {
        Assert.False(CacheKey.TryParsePathForm(target, out _, out _));
    }

    [Theory]
    [InlineData("www.customer.com:8080", "www.customer.com")]
    [InlineData("www.customer.com.", "www.customer.com")]
    [InlineData("[::1]:80", "[::1]")]
    public void Host_header_port_and_trailing_dot_are_ignored(string host, string expected)
    {
        Assert.Equal(expected, CacheKey.HostWithoutPort(host).ToString());
    }

    [Fact]
    public void Secondary_key_normalises_whitespace_and_names_RFC9111_4_1()
    {
        var names = CacheKey.ParseVary(["Accept-Encoding, accept-language", "ACCEPT-ENCODING"], out var star);
        var a = CacheKey.SecondaryKey(names, n => n == "accept-encoding" ? "gzip,  br" : null);
        var b = CacheKey.SecondaryKey(names, n => n == "accept-encoding" ? "gzip, br" : null);
        var c = CacheKey.SecondaryKey(names, n => n == "accept-encoding" ? "gzip" : null);

        Assert.False(star);
        Assert.Equal(["accept-encoding", "accept-language"], names);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        CacheKey.ParseVary(["*"], out star);
        Assert.True(star);
    }
}

public class VaryNormalisationTests
{
    [Fact]
    public void Accept_Language_order_and_case_do_not_split_variants()
    {
        IReadOnlyList<string> names = ["accept-language"];

        var a = CacheKey.SecondaryKey(names, _ => "en-US, fr;q=0.5");
        var b = CacheKey.SecondaryKey(names, _ => "fr;q=0.5,EN-us");
        var c = CacheKey.SecondaryKey(names, _ => "de");

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}

public class PurgeOrderTests
{
    [Theory]
    [InlineData("http://www.customer.com/images/picture.jpg", PurgeKind.Url, "/images/picture.jpg")]
    [InlineData("http://www.customer.com/images/", PurgeKind.Prefix, "/images/")]
    [InlineData("http://WWW.Customer.com/", PurgeKind.Host, "/")]
    public void Orders_from_the_patents_three_url_shapes(string url, PurgeKind kind, string path)
    {
        var order = PurgeOrder.FromUrl(Guid.NewGuid(), new Uri(url), soft: false, DateTimeOffset.UnixEpoch);

        Assert.Equal("www.customer.com", order.Hostname);
        Assert.Equal(kind, order.Kind);
        Assert.Equal(path, order.Path);
    }

    [Fact]
    public void Matching_by_kind()
    {
        var url = new PurgeOrder(Guid.NewGuid(), "h", PurgeKind.Url, "/a/b", false, DateTimeOffset.UnixEpoch);
        var prefix = url with { Kind = PurgeKind.Prefix, Path = "/a/" };
        var host = url with { Kind = PurgeKind.Host };

        Assert.True(url.Matches("/a/b"));
        Assert.False(url.Matches("/a/b?x=1"));
        Assert.True(prefix.Matches("/a/b?x=1"));
        Assert.False(prefix.Matches("/ab"));
        Assert.True(host.Matches("/anything"));
    }
}

public class RangeParsingTests
{
    [Theory]
    [InlineData("bytes=0-0", 100, 0, 1)]
    [InlineData("bytes=90-", 100, 90, 10)]
    [InlineData("bytes=-10", 100, 90, 10)]
    [InlineData("bytes=-500", 100, 0, 100)]
    [InlineData("bytes=50-1000", 100, 50, 50)]
    public void Single_ranges_are_satisfiable_RFC9110_14_1_2(string header, long length, long offset, long count)
    {
        var ranges = new List<(long Offset, long Count)>();
        Assert.Equal(HttpConditionals.RangeResult.Satisfiable, HttpConditionals.ParseRanges(header, length, ranges));
        Assert.Equal((offset, count), Assert.Single(ranges));
    }

    [Theory]
    [InlineData("bytes=100-", "Unsatisfiable")]
    [InlineData("bytes=-0", "Unsatisfiable")]
    [InlineData("items=0-1", "Ignore")]
    [InlineData("bytes=5-1", "Ignore")]
    public void Unsatisfiable_and_unsupported_ranges_RFC9110_14_2(string header, string expected)
    {
        Assert.Equal(expected, HttpConditionals.ParseRanges(header, 100, []).ToString());
    }

    [Theory]
    [InlineData("bytes=0-9,20-29", "0+10 20+10")]
    [InlineData("bytes=20-29, 0-9", "0+10 20+10")]
    [InlineData("bytes=0-9,5-14", "0+15")]
    [InlineData("bytes=0-9,10-19", "0+20")]
    [InlineData("bytes=0-0,-1", "0+1 99+1")]
    [InlineData("bytes=0-9,200-300", "0+10")]
    public void Several_ranges_are_sorted_and_coalesced_RFC9110_14_2(string header, string expected)
    {
        var ranges = new List<(long Offset, long Count)>();
        Assert.Equal(HttpConditionals.RangeResult.Satisfiable, HttpConditionals.ParseRanges(header, 100, ranges));
        Assert.Equal(expected, string.Join(" ", ranges.Select(r => $"{r.Offset}+{r.Count}")));
    }

    [Theory]
    [InlineData("bytes=200-300,400-", "Unsatisfiable")]
    [InlineData("bytes=0-1,x-2", "Ignore")]
    [InlineData("bytes=,", "Ignore")]
    [InlineData("bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10,11-11,12-12,13-13,14-14,15-15,16-16", "Ignore")]
    public void Range_sets_that_are_unsatisfiable_malformed_or_too_many_RFC9110_14_2_and_17_15(string header, string expected)
    {
        Assert.Equal(expected, HttpConditionals.ParseRanges(header, 100, []).ToString());
    }
}
