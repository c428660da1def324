using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>What one request cost and produced, for usage rollups and the access log.</summary>
internal readonly record struct Served(int Status, long BytesToClient, long BytesFromOrigin, bool Hit, string CacheStatus);

/// <summary>
/// The request handler of the cache: routes a request to a CDN hostname, serves it from the store when RFC 9111
/// allows, otherwise fetches from the origin (collapsing concurrent misses), stores, and answers.
/// </summary>
internal sealed partial class CacheProxy
{
    private const int CopyBufferSize = 64 * 1024;
    private readonly CacheServerOptions _options;
    private readonly CacheStore _store;
    private readonly OriginClient _origins;
    private readonly CacheRoutingSource _routing;
    private readonly UsageAggregator _usage;
    private readonly AccessLog? _accessLog;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Task<FetchResult>> _inflight = new(StringComparer.Ordinal);

    public CacheProxy(
        CacheServerOptions options,
        CacheStore store,
        OriginClient origins,
        CacheRoutingSource routing,
        UsageAggregator usage,
        AccessLog? accessLog,
        ILogger logger)
    {
        _options = options;
        _store = store;
        _origins = origins;
        _routing = routing;
        _usage = usage;
        _accessLog = accessLog;
        _logger = logger;
        _time = options.TimeProvider;
    }

    /// <summary>Origin fetches started (tests count collapsing with it).</summary>
    public long OriginFetches => Interlocked.Read(ref _originFetches);

    private long _originFetches;

    internal sealed record FetchRequest
    {
        public required HostRoute Route { get; init; }
        public required string Path { get; init; }
        public required IHeaderDictionary Headers { get; init; }
        public required CacheControlDirectives RequestDirectives { get; init; }
        public required string Fwd { get; init; }
        public CachedResponse? Stale { get; init; }
        public string? RemoteAddress { get; init; }

        /// <summary>The client to stream to when the response cannot wait for storing; null for background revalidation.</summary>
        public HttpContext? Client { get; init; }

        /// <summary>Set on the second trip for a HEAD or Range request whose object turned out too large to store.</summary>
        public bool PassThrough { get; init; }
    }

    private readonly record struct FetchResult(CachedResponse? Entry, string CacheStatus, bool ClientServed, Served Served, int ErrorStatus, string? ErrorBody)
    {
        public bool RetryPassThrough { get; init; }
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var routing = _routing.Current;
        var request = context.Request;
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        Served served;
        HostRoute? route = null;
        if (!TryRoute(routing, request.Host.Value.AsSpan(), target, out route, out var path))
        {
            served = await WriteErrorAsync(context.Response, StatusCodes.Status404NotFound, CacheStatusValues.UnknownHost,
                $"Speedera: host '{request.Host.Value}' is not a CDN hostname served by this cache.\n").ConfigureAwait(false);
        }
        else
        {
            try
            {
                served = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
                    ? await HandleCacheableAsync(context, route, path).ConfigureAwait(false)
                    : await HandleUnsafeAsync(context, route, path).ConfigureAwait(false);
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

    /// <summary>
    /// The patent's two request forms: path form (<c>/www.customer.com/images/test.gif</c> on any host) and virtual hosting
    /// (<c>Host: www.customer.com</c>); an absolute-form target names the host in the URI.
    /// </summary>
    private static bool TryRoute(CacheRouting routing, ReadOnlySpan<char> host, string target, out HostRoute route, out string path)
    {
        if (target.Length > 0 && target[0] == '/')
        {
            if (CacheKey.TryParsePathForm(target, out var segment, out var originPath) && routing.TryGet(segment, out route))
            {
                path = originPath;
                return true;
            }

            path = target;
            return routing.TryGet(CacheKey.HostWithoutPort(host), out route);
        }

        if (Uri.TryCreate(target, UriKind.Absolute, out var uri) && routing.TryGet(uri.IdnHost.AsSpan(), out route))
        {
            path = uri.PathAndQuery;
            return true;
        }

        route = null!;
        path = target;
        return false;
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
                    if (await TryServeEntryAsync(context, entry, age, CacheStatusValues.Hit, hit: true, bytesFromOrigin: 0).ConfigureAwait(false) is { } hit)
                    {
                        return hit;
                    }

                    continue;
                case ServeDecision.StaleWhileRevalidate:
                    var status = CacheStatusValues.StaleWhileRevalidate(entry.FreshnessLifetime - age);
                    if (await TryServeEntryAsync(context, entry, age, status, hit: true, bytesFromOrigin: 0).ConfigureAwait(false) is { } stale)
                    {
                        StartBackgroundRevalidation(context, route, path, entry);
                        return stale;
                    }

                    continue;
                default:
                    if (reqCC.OnlyIfCached)
                    {
                        return await WriteErrorAsync(context.Response, StatusCodes.Status504GatewayTimeout, CacheStatusValues.OnlyIfCached,
                            "Speedera: only-if-cached and the stored response is stale.\n").ConfigureAwait(false);
                    }

                    return await FetchCollapsedAsync(context, route, path, reqCC, entry, reqCC.NoCache || reqCC.MaxAge is not null ? "request" : "stale").ConfigureAwait(false);
            }
        }

        // RFC 9111 §5.2.1.7: only-if-cached with nothing stored answers 504.
        if (reqCC.OnlyIfCached)
        {
            return await WriteErrorAsync(context.Response, StatusCodes.Status504GatewayTimeout, CacheStatusValues.OnlyIfCached,
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
            return await CompleteAsync(context, fetch, await FetchAsync(fetch).ConfigureAwait(false)).ConfigureAwait(false);
        }

        var key = string.Concat(route.Hostname, " ", path);
        var tcs = new TaskCompletionSource<FetchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        while (true)
        {
            if (_inflight.TryAdd(key, tcs.Task))
            {
                FetchResult result = default;
                try
                {
                    result = await FetchAsync(fetch).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    tcs.TrySetException(ex);
                    throw;
                }
                finally
                {
                    _inflight.TryRemove(new KeyValuePair<string, Task<FetchResult>>(key, tcs.Task));
                    tcs.TrySetResult(result);
                }

                return await CompleteAsync(context, fetch, result).ConfigureAwait(false);
            }

            if (!_inflight.TryGetValue(key, out var running))
            {
                continue;
            }

            FetchResult shared;
            try
            {
                shared = await running.WaitAsync(context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception) when (!context.RequestAborted.IsCancellationRequested)
            {
                break;
            }

            if (shared.Entry is { } entry && !entry.Removed && MatchesVariant(entry, context.Request.Headers))
            {
                var age = entry.CurrentAge(_time.GetUtcNow());
                if (CachePolicy.Decide(entry.FreshnessLifetime, age, entry.Directives, reqCC, entry.Invalidated) == ServeDecision.Fresh &&
                    await TryServeEntryAsync(context, entry, age, CacheStatusValues.Collapsed, hit: true, bytesFromOrigin: 0).ConfigureAwait(false) is { } served)
                {
                    return served;
                }
            }
            else if (shared.ErrorStatus != 0 && shared.ErrorBody is not null)
            {
                // The origin just failed for the request we waited on; do not send it the same request again at once.
                return await WriteErrorAsync(context.Response, shared.ErrorStatus, shared.CacheStatus, shared.ErrorBody).ConfigureAwait(false);
            }

            break;
        }

        return await CompleteAsync(context, fetch, await FetchAsync(fetch).ConfigureAwait(false)).ConfigureAwait(false);
    }

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
            var retry = await FetchAsync(fetch with { PassThrough = true, Stale = null }).ConfigureAwait(false);
            return retry.ClientServed ? retry.Served : await CompleteAsync(context, fetch, retry with { RetryPassThrough = false }).ConfigureAwait(false);
        }

        if (result.Entry is { } entry)
        {
            var age = entry.CurrentAge(_time.GetUtcNow());
            if (await TryServeEntryAsync(context, entry, age, result.CacheStatus, hit: false, result.Served.BytesFromOrigin).ConfigureAwait(false) is { } served)
            {
                return served;
            }

            return await WriteErrorAsync(context.Response, StatusCodes.Status502BadGateway, result.CacheStatus,
                "Speedera: the stored object could not be read.\n").ConfigureAwait(false);
        }

        return await WriteErrorAsync(context.Response, result.ErrorStatus == 0 ? 502 : result.ErrorStatus, result.CacheStatus,
            result.ErrorBody ?? "Speedera: origin error.\n", result.Served.BytesFromOrigin).ConfigureAwait(false);
    }

    private void StartBackgroundRevalidation(HttpContext context, HostRoute route, string path, CachedResponse stale)
    {
        var key = string.Concat(route.Hostname, " ", path);
        var tcs = new TaskCompletionSource<FetchResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_inflight.TryAdd(key, tcs.Task))
        {
            return;
        }

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
        _ = Task.Run(async () =>
        {
            FetchResult result = default;
            try
            {
                result = await FetchAsync(fetch).ConfigureAwait(false);
                var served = result.Served;
                _usage.Record(route.Hostname, served.Status, 0, served.BytesFromOrigin, hit: false);
            }
            catch (Exception ex)
            {
                Log.BackgroundRevalidationFailed(_logger, ex, route.Hostname, path);
            }
            finally
            {
                _inflight.TryRemove(new KeyValuePair<string, Task<FetchResult>>(key, tcs.Task));
                tcs.TrySetResult(result);
            }
        });
    }

    /// <summary>Sends a request to the origin within its concurrency bound and response timeout.</summary>
    private async Task<(OriginResponse? Response, int ErrorStatus, string? Error)> SendToOriginAsync(
        HostRoute route, HttpRequestMessage message, CancellationToken clientAborted)
    {
        var origin = _origins.Get(route.OriginKey);
        if (!await origin.Slots.WaitAsync(_options.OriginQueueTimeout, clientAborted).ConfigureAwait(false))
        {
            message.Dispose();
            Log.OriginFailed(_logger, route.OriginKey, route.Hostname, message.RequestUri?.PathAndQuery ?? "", "too many concurrent requests");
            return (null, StatusCodes.Status503ServiceUnavailable,
                $"Speedera: origin {route.Settings.Origin} for {route.Hostname} has too many requests in progress; try again later.\n");
        }

        var requestTime = _time.GetUtcNow();
        Interlocked.Increment(ref _originFetches);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        timeout.CancelAfter(_options.OriginResponseTimeout);
        try
        {
            var response = await origin.Invoker.SendAsync(message, timeout.Token).ConfigureAwait(false);
            return (new OriginResponse(response, origin.Slots, requestTime, _time.GetUtcNow()), 0, null);
        }
        catch (OperationCanceledException) when (!clientAborted.IsCancellationRequested)
        {
            origin.Slots.Release();
            Log.OriginFailed(_logger, route.OriginKey, route.Hostname, message.RequestUri?.PathAndQuery ?? "", "timeout");
            return (null, StatusCodes.Status504GatewayTimeout,
                $"Speedera: origin {route.Settings.Origin} for {route.Hostname} did not answer within {_options.OriginResponseTimeout.TotalSeconds:0.#} s.\n");
        }
        catch (HttpRequestException ex)
        {
            origin.Slots.Release();
            Log.OriginFailed(_logger, route.OriginKey, route.Hostname, message.RequestUri?.PathAndQuery ?? "", ex.Message);
            var timedOut = ex.InnerException is TimeoutException || ex.InnerException is OperationCanceledException;
            return (null, timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                $"Speedera: could not reach origin {route.Settings.Origin} for {route.Hostname}: {ex.Message}\n");
        }
        catch
        {
            origin.Slots.Release();
            throw;
        }
        finally
        {
            message.Dispose();
        }
    }

    private async Task<FetchResult> FetchAsync(FetchRequest fetch)
    {
        var route = fetch.Route;
        var stale = fetch.Stale;
        var aborted = fetch.Client?.RequestAborted ?? CancellationToken.None;
        var message = OriginMessages.BuildRequest(fetch, HttpMethod.Get, conditionalFromStale: true);
        var (origin, errorStatus, error) = await SendToOriginAsync(route, message, aborted).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        if (origin is null)
        {
            // RFC 5861 §4: serve stale on an origin error when allowed.
            var unreachable = errorStatus is 502 or 504 ? _options.StaleIfOriginUnreachable : TimeSpan.Zero;
            if (stale is not null && CachePolicy.CanServeStaleOnError(stale.FreshnessLifetime, stale.CurrentAge(now), stale.Directives, fetch.RequestDirectives, unreachable))
            {
                return new FetchResult(stale, CacheStatusValues.StaleIfError(fetch.Fwd, errorStatus == 504 ? "timeout" : "connect"), false, default, 0, null);
            }

            var detail = errorStatus switch { 504 => "origin-timeout", 503 => "origin-busy", _ => "origin-unreachable" };
            return new FetchResult(null, CacheStatusValues.Error(fetch.Fwd, detail), false, new Served(errorStatus, 0, 0, false, detail), errorStatus, error);
        }

        using (origin)
        {
            var response = origin.Message;
            var status = (int)response.StatusCode;
            var timing = new ResponseTiming(origin.RequestTime, origin.ResponseTime, response.Headers.Date, OriginMessages.ParseAge(response));

            // RFC 9111 §4.3.3/§4.3.4: a 304 freshens the stored response.
            if (status == StatusCodes.Status304NotModified && stale is not null)
            {
                var updated = stale.WithUpdatedHeaders(response, timing.Date is null ? timing with { Date = origin.ResponseTime } : timing);
                if (!stale.Removed)
                {
                    _store.Update(stale, updated);
                }

                return new FetchResult(updated, CacheStatusValues.Revalidated(fetch.Fwd), false, default, 0, null);
            }

            if (status >= 500 && stale is not null &&
                CachePolicy.CanServeStaleOnError(stale.FreshnessLifetime, stale.CurrentAge(now), stale.Directives, fetch.RequestDirectives))
            {
                return new FetchResult(stale, CacheStatusValues.StaleIfError(fetch.Fwd, status.ToString(CultureInfo.InvariantCulture)), false, default, 0, null);
            }

            var headers = OriginMessages.CollectHeaders(response, origin.ResponseTime, out var cacheControl, out var vary, out var hasExpires);
            var targeted = headers.FirstOrDefault(h => HttpHeaderRules.IsTargetedCacheControl(h.Key));
            var respCC = targeted.Key is null ? CacheControlDirectives.Parse(cacheControl) : CacheControlDirectives.Parse(targeted.Value.ToString());
            var varyNames = CacheKey.ParseVary(vary, out var varyStar);
            var explicitExpiry = respCC.MaxAge is not null || respCC.SharedMaxAge is not null || hasExpires;
            var storability = CachePolicy.CanStore(
                "GET", status, fetch.RequestDirectives, respCC, explicitExpiry, fetch.Headers.Authorization.Count > 0, varyStar, route.Freshness);
            var length = response.Content.Headers.ContentLength;
            var detail = storability switch
            {
                Storability.Storable => null,
                Storability.NoStore => "no-store",
                Storability.Private => "private",
                Storability.Authorization => "authorization",
                Storability.VaryStar => "vary-star",
                Storability.StatusNotCacheable => "status",
                _ => "not-cacheable",
            };
            if (detail is null && fetch.PassThrough)
            {
                detail = "too-large";
            }

            if (detail is null && length > _options.MaxObjectSizeBytes)
            {
                detail = "too-large";
            }

            if (detail is null && _store.Disk is null && length > _options.MemoryObjectLimitBytes)
            {
                detail = "too-large-for-memory";
            }

            // If the stored response was invalidated by this exchange (a new response), drop the old one.
            if (detail is not null && stale is not null && status < 500)
            {
                _store.Remove(stale);
            }

            var secondary = varyNames.Count == 0 ? string.Empty : CacheKey.SecondaryKey(varyNames, name => CacheStore.JoinHeader(fetch.Headers, name));
            if (detail is null && length is { } small && small <= _options.MemoryObjectLimitBytes)
            {
                var body = new byte[small];
                var read = await ReadFullyAsync(response, body, aborted).ConfigureAwait(false);
                if (read != small)
                {
                    return new FetchResult(null, CacheStatusValues.Error(fetch.Fwd, "origin-short-body"), false, new Served(502, 0, read, false, "origin-short-body"), 502,
                        $"Speedera: origin {route.Settings.Origin} sent {read} of {small} bytes.\n");
                }

                var entry = new CachedResponse(route.Hostname, fetch.Path, status, headers, timing, varyNames, secondary, route.Freshness,
                    new CachedBody(small, SHA256.HashData(body), _store.Keep(body), null, false));
                _store.Store(entry);
                return new FetchResult(entry, CacheStatusValues.Stored(fetch.Fwd), false, new Served(status, 0, small, false, ""), 0, null);
            }

            return await StreamAsync(fetch, response, status, headers, timing, varyNames, secondary, detail, aborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Streams a response to the client (if any) while storing it when allowed: large or unknown-length bodies go to a disk
    /// file chunk by chunk, never whole into memory; bodies that turn out small are kept in memory too.
    /// </summary>
    private async Task<FetchResult> StreamAsync(
        FetchRequest fetch,
        HttpResponseMessage response,
        int status,
        KeyValuePair<string, StringValues>[] headers,
        ResponseTiming timing,
        IReadOnlyList<string> varyNames,
        string secondary,
        string? notStoredDetail,
        CancellationToken aborted,
        string? cacheStatusOverride = null)
    {
        var route = fetch.Route;
        var storing = notStoredDetail is null;
        var cacheStatus = cacheStatusOverride ?? (storing ? CacheStatusValues.Stored(fetch.Fwd) : CacheStatusValues.NotStored(fetch.Fwd, status, notStoredDetail!));
        var client = fetch.Client;
        if (client is null && !storing)
        {
            return new FetchResult(null, cacheStatus, false, new Served(status, 0, 0, false, cacheStatus), 0, null);
        }

        var isHead = client is not null && HttpMethods.IsHead(client.Request.Method);

        // HEAD and Range need the stored object (its length, its bytes); they are answered from it once it is stored.
        var deferClient = storing && client is not null && (isHead || client.Request.Headers.Range.Count > 0);
        var clientResponse = deferClient ? null : client?.Response;
        var length = response.Content.Headers.ContentLength;
        if (clientResponse is not null)
        {
            clientResponse.StatusCode = status;
            WriteStoredHeaders(clientResponse, headers, notModified: false);
            clientResponse.Headers.Age = CacheStatusValues.Seconds(CachePolicy.CurrentAge(timing, _time.GetUtcNow()));
            clientResponse.Headers[CacheStatusValues.Name] = cacheStatus;
            if (length is { } l && status != 204 && status != 304)
            {
                clientResponse.ContentLength = l;
            }
        }

        var keyHash = DiskTier.KeyHash(route.Hostname, fetch.Path, secondary);
        BodyFileWriter? file = storing && _store.Disk is not null ? _store.Disk.BeginBody(keyHash) : null;
        MemoryStream? memory = storing && (length is null || length <= _options.MemoryObjectLimitBytes) ? new MemoryStream() : null;
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        long total = 0, toClient = 0;
        var clientGone = clientResponse is null;
        try
        {
            await using var source = await response.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
            using var idle = new CancellationTokenSource();
            while (true)
            {
                idle.CancelAfter(_options.OriginBodyIdleTimeout);
                int n;
                try
                {
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(idle.Token, storing ? CancellationToken.None : aborted);
                    n = await source.ReadAsync(buffer.AsMemory(0, CopyBufferSize), linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
                {
                    Log.OriginFailed(_logger, route.OriginKey, route.Hostname, fetch.Path, "body read failed: " + ex.Message);
                    client?.Abort();
                    return new FetchResult(null, cacheStatus, true, new Served(status, toClient, total, false, cacheStatus), 0, null);
                }

                if (n == 0)
                {
                    break;
                }

                total += n;
                var chunk = buffer.AsMemory(0, n);
                if (storing && total > _options.MaxObjectSizeBytes)
                {
                    storing = false;
                }

                if (storing && file is not null)
                {
                    await file.WriteAsync(chunk, CancellationToken.None).ConfigureAwait(false);
                }

                if (memory is not null)
                {
                    if (total <= _options.MemoryObjectLimitBytes)
                    {
                        memory.Write(chunk.Span);
                    }
                    else
                    {
                        memory = null;
                        storing &= file is not null;
                    }
                }

                if (!clientGone && !isHead)
                {
                    try
                    {
                        await clientResponse!.Body.WriteAsync(chunk, aborted).ConfigureAwait(false);
                        toClient += n;
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
                    {
                        clientGone = true;
                        if (!storing)
                        {
                            break;
                        }
                    }
                }
                else if (!storing && clientGone)
                {
                    break;
                }
            }

            if (!storing)
            {
                return deferClient
                    ? new FetchResult(null, cacheStatus, false, new Served(status, 0, total, false, cacheStatus), 0, null) { RetryPassThrough = true }
                    : new FetchResult(null, cacheStatus, client is not null, new Served(status, toClient, total, false, cacheStatus), 0, null);
            }

            CachedBody body;
            if (file is not null)
            {
                var (name, sha) = file.Commit();
                var bytes = memory is not null && total <= _options.MemoryObjectLimitBytes ? memory.ToArray() : null;
                body = new CachedBody(total, sha, bytes is null ? (ReadOnlyMemory<byte>?)null : _store.Keep(bytes), name, diskVerified: true);
                _store.AddDiskBytes(total);
            }
            else
            {
                var bytes = memory!.ToArray();
                body = new CachedBody(total, SHA256.HashData(bytes), _store.Keep(bytes), null, false);
            }

            var entry = new CachedResponse(route.Hostname, fetch.Path, status, headers, timing, varyNames, secondary, route.Freshness, body);
            _store.Store(entry);
            return new FetchResult(entry, cacheStatus, clientResponse is not null, new Served(status, toClient, total, false, cacheStatus), 0, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<int> ReadFullyAsync(HttpResponseMessage response, byte[] body, CancellationToken aborted)
    {
        await using var source = await response.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
        using var idle = new CancellationTokenSource(_options.OriginBodyIdleTimeout);
        var read = 0;
        try
        {
            while (read < body.Length)
            {
                var n = await source.ReadAsync(body.AsMemory(read), idle.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
                idle.CancelAfter(_options.OriginBodyIdleTimeout);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
        }

        return read;
    }

    private static void WriteStoredHeaders(HttpResponse response, KeyValuePair<string, StringValues>[] headers, bool notModified)
    {
        var target = response.Headers;
        foreach (var (name, value) in headers)
        {
            // RFC 9110 §15.4.5: a 304 carries the fields a 200 would, except the content's own description.
            if ((notModified && name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Location", StringComparison.OrdinalIgnoreCase))
                || HttpHeaderRules.IsNotForwarded(name))
            {
                continue;
            }

            target[name] = value;
        }
    }

    /// <summary>
    /// Serves a stored response: conditional requests (RFC 9110 §13), single byte ranges (RFC 9110 §14), HEAD, Age and
    /// Cache-Status. Returns null when the object's disk copy is missing or fails its checksum (it is then removed).
    /// </summary>
    private async ValueTask<Served?> TryServeEntryAsync(HttpContext context, CachedResponse entry, TimeSpan age, string cacheStatus, bool hit, long bytesFromOrigin)
    {
        var body = entry.Body;
        var memory = body.Memory;
        var disk = _store.Disk;
        if (memory is null && body.Length > 0)
        {
            if (disk is null || body.DiskFile is null)
            {
                _store.Remove(entry);
                return null;
            }

            if (body.Length <= _options.MemoryObjectLimitBytes)
            {
                var bytes = await disk.ReadVerifiedAsync(body, context.RequestAborted).ConfigureAwait(false);
                if (bytes is null)
                {
                    _store.Remove(entry);
                    return null;
                }

                memory = _store.PromoteToMemory(body, bytes);
            }
            else if (!await disk.VerifyAsync(body, context.RequestAborted).ConfigureAwait(false))
            {
                _store.Remove(entry);
                return null;
            }
        }

        CacheStore.Touch(entry);
        var request = context.Request;
        var response = context.Response;
        var headers = response.Headers;
        var ageValue = CacheStatusValues.Seconds(age);

        if (HttpConditionals.IsNotModified(request, entry))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            WriteStoredHeaders(response, entry.Headers, notModified: true);
            headers.Age = ageValue;
            headers[CacheStatusValues.Name] = cacheStatus;
            return new Served(304, 0, bytesFromOrigin, hit, cacheStatus);
        }

        response.StatusCode = entry.Status;
        WriteStoredHeaders(response, entry.Headers, notModified: false);
        headers.Age = ageValue;
        headers[CacheStatusValues.Name] = cacheStatus;

        long offset = 0, count = body.Length;
        List<(long Offset, long Count)>? parts = null;
        if (entry.Status == 200)
        {
            headers.AcceptRanges = "bytes";
            var range = request.Headers.Range;
            if (range.Count > 0 && HttpConditionals.RangeApplies(request, entry))
            {
                var ranges = new List<(long Offset, long Count)>();
                switch (HttpConditionals.ParseRanges(range.ToString(), body.Length, ranges))
                {
                    case HttpConditionals.RangeResult.Satisfiable when ranges.Count == 1:
                        (offset, count) = ranges[0];
                        response.StatusCode = StatusCodes.Status206PartialContent;
                        headers.ContentRange = $"bytes {offset}-{offset + count - 1}/{body.Length}";
                        break;
                    case HttpConditionals.RangeResult.Satisfiable:
                        parts = ranges;
                        response.StatusCode = StatusCodes.Status206PartialContent;
                        break;
                    case HttpConditionals.RangeResult.Unsatisfiable:
                        response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                        headers.ContentRange = $"bytes */{body.Length}";
                        headers.ContentType = default;
                        response.ContentLength = 0;
                        return new Served(416, 0, bytesFromOrigin, hit, cacheStatus);
                }
            }
        }

        if (entry.Status is 204 or 304)
        {
            return new Served(entry.Status, 0, bytesFromOrigin, hit, cacheStatus);
        }

        if (parts is not null)
        {
            return await WriteMultipartAsync(context, body, memory, parts, new Served(206, 0, bytesFromOrigin, hit, cacheStatus)).ConfigureAwait(false);
        }

        response.ContentLength = count;
        if (HttpMethods.IsHead(request.Method) || count == 0)
        {
            return new Served(response.StatusCode, 0, bytesFromOrigin, hit, cacheStatus);
        }

        if (memory is not null)
        {
            // Headers go into the response pipe first (no flush), so the body goes straight into the pipe instead of
            // into Kestrel's before-headers buffer and then again; a large body is lent to the pipe without a copy
            // (HitMemoryPool). Kestrel flushes once when the request completes, so a hit costs one send.
            if (!response.HasStarted)
            {
                await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            }

            HitMemoryPool.WriteBody(response.BodyWriter, memory.Value.Slice((int)offset, (int)count));
        }
        else
        {
            await using var file = disk!.OpenBody(body);
            await CopyFromFileAsync(context, file, offset, count).ConfigureAwait(false);
        }

        return new Served(response.StatusCode, count, bytesFromOrigin, hit, cacheStatus);
    }

    /// <summary>Copies <paramref name="count"/> bytes of a stored body file from <paramref name="offset"/> to the response.</summary>
    private static async Task CopyFromFileAsync(HttpContext context, FileStream file, long offset, long count)
    {
        file.Seek(offset, SeekOrigin.Begin);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            var remaining = count;
            while (remaining > 0)
            {
                var n = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(CopyBufferSize, remaining)), context.RequestAborted).ConfigureAwait(false);
                if (n == 0)
                {
                    context.Abort();
                    break;
                }

                await context.Response.Body.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted).ConfigureAwait(false);
                remaining -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// RFC 9110 §14.6: several ranges as one multipart/byteranges body, each part with the object's Content-Type and
    /// its Content-Range, in ascending order (the ranges are already coalesced). Content-Length is known up front.
    /// </summary>
    private async Task<Served> WriteMultipartAsync(HttpContext context, CachedBody body, ReadOnlyMemory<byte>? memory, List<(long Offset, long Count)> parts, Served served)
    {
        var response = context.Response;
        var boundary = "speedera-" + Guid.NewGuid().ToString("N");
        var type = response.Headers.ContentType.ToString();
        var heads = new byte[parts.Count][];
        long length = 0;
        for (int i = 0; i < parts.Count; i++)
        {
            var (offset, count) = parts[i];
            var head = (i > 0 ? "\r\n" : "") + $"--{boundary}\r\n"
                + (type.Length > 0 ? $"Content-Type: {type}\r\n" : "")
                + $"Content-Range: bytes {offset}-{offset + count - 1}/{body.Length}\r\n\r\n";
            heads[i] = Encoding.ASCII.GetBytes(head);
            length += heads[i].Length + count;
        }

        var tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");
        length += tail.Length;
        response.Headers.ContentType = "multipart/byteranges; boundary=" + boundary;
        response.ContentLength = length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return served;
        }

        await using var file = memory is null ? _store.Disk!.OpenBody(body) : null;
        for (int i = 0; i < parts.Count; i++)
        {
            var (offset, count) = parts[i];
            await response.Body.WriteAsync(heads[i], context.RequestAborted).ConfigureAwait(false);
            if (memory is not null)
            {
                await response.Body.WriteAsync(memory.Value.Slice((int)offset, (int)count), context.RequestAborted).ConfigureAwait(false);
            }
            else
            {
                await CopyFromFileAsync(context, file!, offset, count).ConfigureAwait(false);
            }
        }

        await response.Body.WriteAsync(tail, context.RequestAborted).ConfigureAwait(false);
        return served with { BytesToClient = length };
    }

    /// <summary>Forwards unsafe and other methods, then invalidates the stored responses they affect (RFC 9111 §4.4).</summary>
    private async ValueTask<Served> HandleUnsafeAsync(HttpContext context, HostRoute route, string path)
    {
        var request = context.Request;
        var fetch = new FetchRequest
        {
            Route = route,
            Path = path,
            Headers = request.Headers,
            RequestDirectives = default,
            Fwd = "method",
            RemoteAddress = context.Connection.RemoteIpAddress?.ToString(),
            Client = context,
        };
        var message = OriginMessages.BuildRequest(fetch, new HttpMethod(request.Method), conditionalFromStale: false);
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var content = new StreamContent(request.Body);
            foreach (var (name, values) in request.Headers)
            {
                if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                {
                    message.Content?.Headers.Remove(name);
                    content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
                }
            }

            message.Content = content;
        }

        var (origin, errorStatus, error) = await SendToOriginAsync(route, message, context.RequestAborted).ConfigureAwait(false);
        if (origin is null)
        {
            return await WriteErrorAsync(context.Response, errorStatus, CacheStatusValues.Method, error!).ConfigureAwait(false);
        }

        using (origin)
        {
            var response = origin.Message;
            var status = (int)response.StatusCode;
            if (CachePolicy.InvalidatesOnResponse(request.Method, status))
            {
                _store.Invalidate(route.Hostname, path);
                InvalidateLocation(route, response.Headers.Location);
                InvalidateLocation(route, response.Content.Headers.ContentLocation);
            }

            var headers = OriginMessages.CollectHeaders(response, origin.ResponseTime, out _, out _, out _);
            var result = await StreamAsync(fetch, response, status, headers, new ResponseTiming(origin.RequestTime, origin.ResponseTime, null, null),
                [], string.Empty, "method", context.RequestAborted, CacheStatusValues.Method).ConfigureAwait(false);
            return result.Served;
        }
    }

    // §4.4: Location and Content-Location are invalidated too, but only when they share the request's origin.
    private void InvalidateLocation(HostRoute route, Uri? location)
    {
        if (location is null)
        {
            return;
        }

        if (!location.IsAbsoluteUri)
        {
            var relative = location.OriginalString;
            if (relative.StartsWith('/'))
            {
                _store.Invalidate(route.Hostname, relative);
            }
        }
        else if (string.Equals(location.IdnHost, route.Hostname, StringComparison.OrdinalIgnoreCase))
        {
            _store.Invalidate(route.Hostname, location.PathAndQuery);
        }
    }

    private static async Task<Served> WriteErrorAsync(HttpResponse response, int status, string cacheStatus, string body, long bytesFromOrigin = 0)
    {
        if (response.HasStarted)
        {
            return new Served(status, 0, bytesFromOrigin, false, cacheStatus);
        }

        response.Clear();
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers[CacheStatusValues.Name] = cacheStatus;
        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes).ConfigureAwait(false);
        return new Served(status, bytes.Length, bytesFromOrigin, false, cacheStatus);
    }
}
