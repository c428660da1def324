using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Speedera.Core.PageCheck;
using Speedera.Edge.Security;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// One route of one check at one location: its connection pools, resolver cache and browser cache. The first view
/// starts with all three empty; the repeat view runs on the same session, so it finds them warm as a browser would.
/// </summary>
internal sealed class PageFetchSession : IDisposable
{
    private readonly ConcurrentDictionary<string, OriginPool> _pools = new(StringComparer.Ordinal);
    private readonly ResolverCache _resolver = new();
    private readonly BrowserCache _cache;
    private readonly PageTargetConnector _connector;
    private readonly PageCheckAgentOptions _options;
    private readonly PageCheckLimits _limits;
    private readonly Func<Uri, ConnectTarget> _route;
    private readonly TimeProvider _time;
    private int _connections;
    private ByteBudget _budget = new(0);
    private int _componentsLeft;

    public PageFetchSession(PageTargetConnector connector, PageCheckAgentOptions options, PageCheckLimits limits, Func<Uri, ConnectTarget> route)
    {
        _connector = connector;
        _options = options;
        _limits = limits;
        _route = route;
        _time = connector.Time;
        _cache = new BrowserCache(_time);
    }

    public async Task<PageCheckViewResult> RunViewAsync(PageCheckView view, PageCheckRoute route, Uri url, CancellationToken cancellationToken)
    {
        _budget = new ByteBudget(_limits.MaxTotalBytes);
        _componentsLeft = _limits.MaxComponents;
        var run = new ViewRun(this, view, _time.GetTimestamp());
        var startedAt = _time.GetUtcNow();
        string? error = null;
        try
        {
            await run.PageAsync(url, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            error = "Timed out before the page and its components were loaded.";
        }

        return new PageCheckViewResult(view, route, startedAt, error ?? run.LimitReached, run.Results());
    }

    public void Dispose()
    {
        foreach (var pool in _pools.Values)
        {
            pool.Dispose();
        }
    }

    private sealed class ViewRun(PageFetchSession session, PageCheckView view, long start)
    {
        private readonly ConcurrentBag<PageCheckRequest> _done = [];
        private readonly ConcurrentBag<Task> _pending = [];
        private int _index = -1;

        public string? LimitReached { get; private set; }

        public IReadOnlyList<PageCheckRequest> Results() => [.. _done.OrderBy(r => r.Index)];

        public async Task PageAsync(Uri url, CancellationToken cancellationToken)
        {
            var document = await FetchAsync(url, "document", -1, cancellationToken).ConfigureAwait(false);
            if (document is { } doc && IsHtml(doc.ContentType))
            {
                Schedule(ComponentFinder.FromHtml(Text(doc.Body), doc.FinalUrl), doc.Index, depth: 0, cancellationToken);
            }

            // Components schedule more components (CSS, iframes): wait until no task is left.
            while (true)
            {
                var tasks = _pending.ToArray();
                await Task.WhenAll(tasks).ConfigureAwait(false);
                if (_pending.Count == tasks.Length)
                {
                    break;
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        private void Schedule(IReadOnlyList<Component> components, int initiator, int depth, CancellationToken cancellationToken)
        {
            foreach (var component in components)
            {
                if (Interlocked.Decrement(ref session._componentsLeft) < 0)
                {
                    LimitReached = $"Stopped at {session._limits.MaxComponents} components (the check's limit).";
                    return;
                }

                _pending.Add(ComponentAsync(component, initiator, depth, cancellationToken));
            }
        }

        private async Task ComponentAsync(Component component, int initiator, int depth, CancellationToken cancellationToken)
        {
            var fetched = await FetchAsync(component.Url, component.Kind, initiator, cancellationToken).ConfigureAwait(false);
            if (fetched is not { } f || f.Body.Length == 0)
            {
                return;
            }

            if (component.Kind == "stylesheet" || (f.ContentType?.Contains("text/css", StringComparison.OrdinalIgnoreCase) ?? false))
            {
                Schedule(ComponentFinder.FromCss(Text(f.Body), f.FinalUrl), f.Index, depth, cancellationToken);
            }
            else if (component.Kind == "iframe" && depth == 0 && IsHtml(f.ContentType))
            {
                Schedule(ComponentFinder.FromHtml(Text(f.Body), f.FinalUrl), f.Index, depth + 1, cancellationToken);
            }
        }

        private sealed record Fetched(int Index, Uri FinalUrl, string? ContentType, byte[] Body);

        /// <summary>Fetches one URL, following redirects (each hop its own entry); null when it failed.</summary>
        private async Task<Fetched?> FetchAsync(Uri url, string kind, int initiator, CancellationToken cancellationToken)
        {
            for (var hop = 0; ; hop++)
            {
                var index = Interlocked.Increment(ref _index);
                var queued = session._time.GetTimestamp();
                try
                {
                    var (request, body, location) = await OneAsync(index, url, kind, initiator, queued, cancellationToken).ConfigureAwait(false);
                    _done.Add(request);
                    if (location is null)
                    {
                        return request.Error is null ? new Fetched(index, url, request.ContentType, body) : null;
                    }

                    if (hop >= session._limits.MaxRedirects)
                    {
                        LimitReached = $"Stopped after {session._limits.MaxRedirects} redirects (the check's limit).";
                        return null;
                    }

                    (url, initiator) = (location, index);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    _done.Add(Failed(index, url, kind, initiator, queued, "timed out"));
                    throw;
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidDataException or System.Security.Authentication.AuthenticationException or HttpRequestException)
                {
                    var message = GuardedConnector.IsRefusal(ex, out var refusal) ? $"refused by the target guard: {refusal!.Reason}" : ex.Message;
                    _done.Add(Failed(index, url, kind, initiator, queued, message));
                    return null;
                }
            }
        }

        private PageCheckRequest Failed(int index, Uri url, string kind, int initiator, long queued, string error)
        {
            var now = session._time.GetTimestamp();
            return new PageCheckRequest
            {
                Index = index,
                Url = url.AbsoluteUri,
                Kind = kind,
                Initiator = initiator,
                StartOffsetMs = Ms(queued),
                Timings = new PhaseTimings(Ms(now) - Ms(queued), -1, -1, -1, 0, 0, 0),
                Error = error,
            };
        }

        private double Ms(long timestamp) => (timestamp - start) * 1000.0 / session._time.TimestampFrequency;

        private async Task<(PageCheckRequest Request, byte[] Body, Uri? Location)> OneAsync(int index, Uri url, string kind, int initiator, long queued, CancellationToken cancellationToken)
        {
            if (url.Scheme is not ("http" or "https"))
            {
                throw new IOException($"Only http and https URLs are fetched, not {url.Scheme}.");
            }

            var cached = view == PageCheckView.Repeat ? session._cache.Find(url) : null;
            if (cached is not null && session._cache.IsFresh(cached))
            {
                return (new PageCheckRequest
                {
                    Index = index,
                    Url = url.AbsoluteUri,
                    Kind = kind,
                    Initiator = initiator,
                    StartOffsetMs = Ms(queued),
                    Timings = PhaseTimings.Zero,
                    Status = cached.Status,
                    StatusText = "OK (from cache)",
                    BodyDecodedBytes = cached.Body.Length,
                    ContentType = cached.ContentType,
                    FromCache = true,
                    ResponseHeaders = cached.Headers,
                }, cached.Body, null);
            }

            var target = session._route(url);
            var headers = new List<HeaderPair>
            {
                new("User-Agent", session._options.UserAgent),
                new("Accept", kind switch { "document" or "iframe" => "text/html,application/xhtml+xml,*/*;q=0.8", "stylesheet" => "text/css,*/*;q=0.1", "image" => "image/avif,image/webp,image/*,*/*;q=0.8", _ => "*/*" }),
                new("Accept-Encoding", "gzip, deflate, br"),
                new("Connection", "keep-alive"),
            };
            var conditional = cached is not null;
            if (cached is not null)
            {
                headers.AddRange(BrowserCache.Validators(cached));
            }

            var pool = session._pools.GetOrAdd(target.Key, _ => new OriginPool(target, session._limits.MaxConnectionsPerHost, session._connector, () => Interlocked.Increment(ref session._connections), session._options));
            if (session._budget.Left <= 0)
            {
                throw new BodyTooLargeException(session._budget.Limit);
            }

            var result = await pool.FetchAsync(new FetchRequest(url, target, headers, session._budget), session._resolver, cancellationToken).ConfigureAwait(false);
            var phases = PageTimings.Phases(result.Marks with { Queued = queued }, session._time.TimestampFrequency);
            var body = result.Body;
            byte[] decoded;
            string? error = null;
            try
            {
                decoded = result.Status == 304 && cached is not null ? cached.Body : ContentDecoder.Decode(body, result.Header("Content-Encoding"), session._limits.MaxTotalBytes);
            }
            catch (InvalidDataException ex)
            {
                decoded = [];
                error = ex.Message;
            }

            if (view == PageCheckView.First)
            {
                session._cache.Store(url, new FetchResult { Marks = result.Marks, Status = result.Status, ResponseHeaders = result.ResponseHeaders, Body = decoded });
            }

            Uri? location = null;
            if (result.Status is 301 or 302 or 303 or 307 or 308 && result.Header("Location") is { } l && Uri.TryCreate(url, l, out var next))
            {
                location = next;
            }

            var request = new PageCheckRequest
            {
                Index = index,
                Url = url.AbsoluteUri,
                Kind = kind,
                Initiator = initiator,
                StartOffsetMs = Ms(queued),
                Timings = phases,
                Status = result.Status,
                StatusText = result.Reason,
                HttpVersion = result.HttpVersion,
                RequestHeaderBytes = result.RequestHeaderBytes,
                ResponseHeaderBytes = result.ResponseHeaderBytes,
                BodyWireBytes = body.Length,
                BodyDecodedBytes = result.Status == 304 ? 0 : decoded.Length,
                ContentType = result.Header("Content-Type") ?? cached?.ContentType,
                RemoteAddress = result.Remote?.Address.ToString(),
                Connection = result.ConnectionId,
                NewConnection = result.NewConnection,
                Tls = result.Tls,
                Conditional = conditional,
                RedirectUrl = location?.AbsoluteUri,
                Error = error,
                RequestHeaders = result.RequestHeaders,
                ResponseHeaders = result.ResponseHeaders,
            };
            return (request, result.Status == 304 ? decoded : decoded, location);
        }

        private static bool IsHtml(string? contentType) => contentType?.Contains("html", StringComparison.OrdinalIgnoreCase) ?? false;

        private static string Text(byte[] body) => Encoding.UTF8.GetString(body);
    }
}
