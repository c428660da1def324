using System.Globalization;
using Speedera.Core.Cache;
using Speedera.Core.PageCheck;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// The browser cache between a first and a repeat view: fresh responses are served without a request; stale ones with
/// a validator are revalidated with If-None-Match / If-Modified-Since (RFC 9111 §4.3.1), as a browser would.
/// </summary>
internal sealed class BrowserCache(TimeProvider time)
{
    internal sealed record Entry(int Status, string? ContentType, IReadOnlyList<HeaderPair> Headers, byte[] Body, DateTimeOffset StoredAt, TimeSpan FreshFor, string? ETag, string? LastModified);

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Store(Uri url, FetchResult result)
    {
        if (result.Status != 200)
        {
            return;
        }

        var cacheControl = result.Header("Cache-Control");
        var directives = CacheControlDirectives.Parse(cacheControl);
        if (directives.NoStore)
        {
            return;
        }

        var freshFor = TimeSpan.Zero;
        if (!directives.NoCache)
        {
            if (directives.MaxAge is { } maxAge)
            {
                freshFor = maxAge;
            }
            else if (result.Header("Expires") is { } expires && DateTimeOffset.TryParse(expires, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var date = result.Header("Date") is { } d && DateTimeOffset.TryParse(d, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var served) ? served : time.GetUtcNow();
                freshFor = at > date ? at - date : TimeSpan.Zero;
            }
        }

        var age = int.TryParse(result.Header("Age"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
        var entry = new Entry(result.Status, result.Header("Content-Type"), result.ResponseHeaders, result.Body, time.GetUtcNow() - age, freshFor, result.Header("ETag"), result.Header("Last-Modified"));
        if (entry.FreshFor <= TimeSpan.Zero && entry.ETag is null && entry.LastModified is null)
        {
            return;
        }

        lock (_gate)
        {
            _entries[url.AbsoluteUri] = entry;
        }
    }

    public Entry? Find(Uri url)
    {
        lock (_gate)
        {
            return _entries.GetValueOrDefault(url.AbsoluteUri);
        }
    }

    public bool IsFresh(Entry entry) => time.GetUtcNow() - entry.StoredAt < entry.FreshFor;

    public static IReadOnlyList<HeaderPair> Validators(Entry entry)
    {
        var headers = new List<HeaderPair>(2);
        if (entry.ETag is { } etag)
        {
            headers.Add(new HeaderPair("If-None-Match", etag));
        }

        if (entry.LastModified is { } lastModified)
        {
            headers.Add(new HeaderPair("If-Modified-Since", lastModified));
        }

        return headers;
    }
}
