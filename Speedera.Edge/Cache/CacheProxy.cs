using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>What one request cost and produced, for usage rollups and the access log.</summary>
internal readonly record struct Served(int Status, long BytesToClient, long BytesFromOrigin, bool Hit, string CacheStatus);

/// <summary>
/// The request handler of the cache: routes a request to a CDN hostname, serves it from the store when RFC 9111
/// allows (<see cref="StoredResponseWriter"/>), otherwise fetches from the origin (<see cref="OriginFetcher"/>, one
/// fetch per URL at a time through <see cref="RequestCollapser{TResult}"/>), revalidates stale responses in the
/// background, forwards other methods (<see cref="UnsafeMethodForwarder"/>), and records usage and the access log.
/// Fresh hits on plain HTTP/1.1 connections are answered before Kestrel by <see cref="FastHitServer"/>.
/// </summary>
internal sealed class CacheProxy
{
    private readonly CacheStore _store;
    private readonly CacheRoutingSource _routing;
    private readonly UsageAggregator _usage;
    private readonly AccessLog? _accessLog;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RequestCollapser<FetchResult> _collapser = new();
    private readonly OriginFetcher _fetcher;
    private readonly StoredResponseWriter _writer;
    private readonly UnsafeMethodForwarder _forwarder;
    private readonly FastHitServer _fastHits;
    private readonly Func<Speedera.Edge.ControlPlane.StatusSiteContent?>? _statusSite;

    public CacheProxy(
        CacheServerOptions options,
        CacheStore store,
        OriginClient origins,
        CacheRoutingSource routing,
        UsageAggregator usage,
        AccessLog? accessLog,
        ILogger logger)
    {
        _store = store;
        _routing = routing;
        _usage = usage;
        _accessLog = accessLog;
        _logger = logger;
        _time = options.TimeProvider;
        _statusSite = options.StatusSite;
        var tee = new ResponseTee(options, store, logger);
        _fetcher = new OriginFetcher(options, store, origins, tee, logger);
        _writer = new StoredResponseWriter(options, store);
        _forwarder = new UnsafeMethodForwarder(store, _fetcher, tee);
        _fastHits = new FastHitServer(options, store, routing, usage, accessLog);
    }

    /// <summary>Origin fetches started (tests count collapsing with it).</summary>
    public long OriginFetches => _fetcher.OriginFetches;

    /// <summary>Requests answered by the connection-level hit path.</summary>
    public long FastHits => _fastHits.Served;

    /// <summary>The connection-level hit path, for the listener (see <see cref="FastHitServer.ServeAsync"/>).</summary>
    internal Task<bool> ServeFastHitsAsync(ConnectionContext connection, PipeReader input, PipeWriter output) =>
        _fastHits.ServeAsync(connection, input, output);

    public async Task InvokeAsync(HttpContext context)
    {
        var routing = _routing.Current;
        var request = context.Request;
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        Served served;
        HostRoute? route = null;
        if (!routing.TryRoute(request.Host.Value.AsSpan(), target, out route, out var path))
        {
            served = _statusSite is not null && StatusSiteResponder.IsStatusHost(request.Host.Value.AsSpan())
                ? await StatusSiteResponder.ServeAsync(context, _statusSite()).ConfigureAwait(false)
                : await ErrorResponse.WriteAsync(context.Response, StatusCodes.Status404NotFound, CacheStatusValues.UnknownHost,
                $"Speedera: host '{request.Host.Value}' is not a CDN hostname served by this cache.\n").ConfigureAwait(false);
        }
        else if (CdnLoop.ContainsOurToken(request.Headers[CdnLoop.HeaderName]))
        {
            served = await ErrorResponse.WriteAsync(context.Response, StatusCodes.Status508LoopDetected, CacheStatusValues.Error("bypass", "cdn-loop"), CdnLoop.Body).ConfigureAwait(false);
        }
        else
        {
            try
            {
                served = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
                    ? await HandleCacheableAsync(context, route, path).ConfigureAwait(false)
                    : await _forwarder.ForwardAsync(context, route, path).ConfigureAwait(false);
            }
            catch (Exception) when (context.RequestAborted.IsCancellationRequested)
            {
                served = new Served(499, 0, 0, false, "Speedera; detail=client-aborted");
            }
        }

        _usage.Record(route?.Hostname ?? "-", served.Status, served.BytesToClient, served.BytesFromOrigin, served.Hit);
        _accessLog?.Write(new AccessLogRecord(
            context.Connection.RemoteIpAddress?.ToString() ?? "-",
            _time.GetUtcNow(),
            request.Method,
            target,
            request.Protocol,
            served.Status,
            served.BytesToClient,
            request.Headers.Referer.Count > 0 ? request.Headers.Referer.ToString() : null,
            request.Headers.UserAgent.Count > 0 ? request.Headers.UserAgent.ToString() : null,
            route?.Hostname ?? request.Host.Value ?? "-",
            served.CacheStatus));
    }

    private async ValueTask<Served> HandleCacheableAsync(HttpContext context, HostRoute route, string path)
    {
        var headers = context.Request.Headers;
        var reqCC = headers.CacheControl.Count == 0 ? default : CacheControlDirectives.Parse((IEnumerable<string?>)headers.CacheControl);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var entry = _store.Lookup(route.Hostname, path, headers);
            if (entry is null)
            {
                break;
            }

            var now = _time.GetUtcNow();
            var age = entry.CurrentAge(now);
            switch (CachePolicy.Decide(entry.FreshnessLifetime, age, entry.Directives, reqCC, entry.Invalidated))
            {
                case ServeDecision.Fresh:
                    if (await _writer.TryServeAsync(context, entry, age, CacheStatusValues.Hit, hit: true, bytesFromOrigin: 0).ConfigureAwait(false) is { } hit)
                    {
                        return hit;
                    }

                    continue;
                case ServeDecision.StaleWhileRevalidate:
                    var status = CacheStatusValues.StaleWhileRevalidate(entry.FreshnessLifetime - age);
                    if (await _writer.TryServeAsync(context, entry, age, status, hit: true, bytesFromOrigin: 0).ConfigureAwait(false) is { } stale)
                    {
                        StartBackgroundRevalidation(context, route, path, entry);
                        return stale;
                    }

                    continue;
                default:
                    if (reqCC.OnlyIfCached)
                    {
                        return await ErrorResponse.WriteAsync(context.Response, StatusCodes.Status504GatewayTimeout, CacheStatusValues.OnlyIfCached,
                            "Speedera: only-if-cached and the stored response is stale.\n").ConfigureAwait(false);
                    }

                    return await FetchCollapsedAsync(context, route, path, reqCC, entry, reqCC.NoCache || reqCC.MaxAge is not null ? "request" : "stale").ConfigureAwait(false);
            }
        }

        // RFC 9111 §5.2.1.7: only-if-cached with nothing stored answers 504.
        if (reqCC.OnlyIfCached)
        {
            return await ErrorResponse.WriteAsync(context.Response, StatusCodes.Status504GatewayTimeout, CacheStatusValues.OnlyIfCached,
                "Speedera: only-if-cached and nothing is stored.\n").ConfigureAwait(false);
        }

        return await FetchCollapsedAsync(context, route, path, reqCC, null, _store.HasAny(route.Hostname, path) ? "vary-miss" : "miss").ConfigureAwait(false);
    }

    private async Task<Served> FetchCollapsedAsync(HttpContext context, HostRoute route, string path, CacheControlDirectives reqCC, CachedResponse? stale, string fwd)
    {
        var fetch = new FetchRequest
        {
            Route = route,
            Path = path,
            Headers = context.Request.Headers,
            RequestDirectives = reqCC,
            Fwd = fwd,
            Stale = stale,
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            Client = context,
        };

        // A request that forbids storing, or one a validator is pinned to, takes its own trip.
        if (reqCC.NoStore)
        {
            return await CompleteAsync(context, fetch, await _fetcher.FetchAsync(fetch).ConfigureAwait(false)).ConfigureAwait(false);
        }

        if (_collapser.TryStart(CollapseKey(route, path), () => _fetcher.FetchAsync(fetch), out var running))
        {
            return await CompleteAsync(context, fetch, await running.ConfigureAwait(false)).ConfigureAwait(false);
        }

        FetchResult shared;
        try
        {
            shared = await running.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The fetch we waited on failed: this request makes its own.
            return await CompleteAsync(context, fetch, await _fetcher.FetchAsync(fetch).ConfigureAwait(false)).ConfigureAwait(false);
        }

        if (shared.Entry is { } entry && !entry.Removed && MatchesVariant(entry, context.Request.Headers))
        {
            var age = entry.CurrentAge(_time.GetUtcNow());
            if (CachePolicy.Decide(entry.FreshnessLifetime, age, entry.Directives, reqCC, entry.Invalidated) == ServeDecision.Fresh &&
                await _writer.TryServeAsync(context, entry, age, CacheStatusValues.Collapsed, hit: true, bytesFromOrigin: 0).ConfigureAwait(false) is { } served)
            {
                return served;
            }
        }
        else if (shared.ErrorStatus != 0 && shared.ErrorBody is not null)
        {
            // The origin just failed for the request we waited on; do not send it the same request again at once.
            return await ErrorResponse.WriteAsync(context.Response, shared.ErrorStatus, shared.CacheStatus, shared.ErrorBody).ConfigureAwait(false);
        }

        return await CompleteAsync(context, fetch, await _fetcher.FetchAsync(fetch).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private static string CollapseKey(HostRoute route, string path) => string.Concat(route.Hostname, " ", path);

    private static bool MatchesVariant(CachedResponse entry, IHeaderDictionary headers) =>
        entry.VaryNames.Count == 0 ||
        CacheKey.SecondaryKey(entry.VaryNames, name => CacheStore.JoinHeader(headers, name)) == entry.SecondaryKey;

    /// <summary>Answers the client from a fetch result unless the fetch already streamed to it.</summary>
    private async Task<Served> CompleteAsync(HttpContext context, FetchRequest fetch, FetchResult result)
    {
        if (result.ClientServed)
        {
            return result.Served;
        }

        if (result.RetryPassThrough)
        {
            var retry = await _fetcher.FetchAsync(fetch with { PassThrough = true, Stale = null }).ConfigureAwait(false);
            return retry.ClientServed ? retry.Served : await CompleteAsync(context, fetch, retry with { RetryPassThrough = false }).ConfigureAwait(false);
        }

        if (result.Entry is { } entry)
        {
            var age = entry.CurrentAge(_time.GetUtcNow());
            if (await _writer.TryServeAsync(context, entry, age, result.CacheStatus, hit: false, result.Served.BytesFromOrigin).ConfigureAwait(false) is { } served)
            {
                return served;
            }

            return await ErrorResponse.WriteAsync(context.Response, StatusCodes.Status502BadGateway, result.CacheStatus,
                "Speedera: the stored object could not be read.\n").ConfigureAwait(false);
        }

        return await ErrorResponse.WriteAsync(context.Response, result.ErrorStatus == 0 ? 502 : result.ErrorStatus, result.CacheStatus,
            result.ErrorBody ?? "Speedera: origin error.\n", result.Served.BytesFromOrigin).ConfigureAwait(false);
    }

    /// <summary>Revalidates a stale response off the request (RFC 5861 §3), unless a fetch for its URL is in flight.</summary>
    private void StartBackgroundRevalidation(HttpContext context, HostRoute route, string path, CachedResponse stale)
    {
        _collapser.TryStart(CollapseKey(route, path), () =>
        {
            // The request's headers are Kestrel's and reused after it completes: the fetch gets a copy.
            var snapshot = new HeaderDictionary();
            foreach (var header in context.Request.Headers)
            {
                snapshot[header.Key] = header.Value;
            }

            var fetch = new FetchRequest
            {
                Route = route,
                Path = path,
                Headers = snapshot,
                RequestDirectives = default,
                Fwd = "stale",
                Stale = stale,
                RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
                Client = null,
            };
            return Task.Run(() => RevalidateAsync(fetch));
        }, out _);
    }

    private async Task<FetchResult> RevalidateAsync(FetchRequest fetch)
    {
        try
        {
            var result = await _fetcher.FetchAsync(fetch).ConfigureAwait(false);
            _usage.Record(fetch.Route.Hostname, result.Served.Status, 0, result.Served.BytesFromOrigin, hit: false);
            return result;
        }
        catch (Exception ex)
        {
            Log.BackgroundRevalidationFailed(_logger, ex, fetch.Route.Hostname, fetch.Path);
            return default;
        }
    }
}
