using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>One trip to the origin: what to ask for, on whose behalf, and what is stored already.</summary>
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

/// <summary>What a trip to the origin gave: a stored entry to answer from, or an error, or a client already answered.</summary>
internal readonly record struct FetchResult(CachedResponse? Entry, string CacheStatus, bool ClientServed, Served Served, int ErrorStatus, string? ErrorBody)
{
    public bool RetryPassThrough { get; init; }
}

/// <summary>
/// Trips to the origin: the request within the origin's concurrency bound and response timeout, then what to do with
/// the answer (RFC 9111): freshen the stored response on a 304, serve stale on errors where allowed, decide whether
/// the response may be stored and store it (small known-length bodies read whole; everything else through the tee).
/// </summary>
internal sealed class OriginFetcher
{
    private readonly CacheServerOptions _options;
    private readonly CacheStore _store;
    private readonly OriginClient _origins;
    private readonly ResponseTee _tee;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _originFetches;

    public OriginFetcher(CacheServerOptions options, CacheStore store, OriginClient origins, ResponseTee tee, ILogger logger)
    {
        _options = options;
        _store = store;
        _origins = origins;
        _tee = tee;
        _logger = logger;
        _time = options.TimeProvider;
    }

    /// <summary>Origin requests started (tests count collapsing with it).</summary>
    public long OriginFetches => Interlocked.Read(ref _originFetches);

    /// <summary>Sends a request to the origin within its concurrency bound and response timeout.</summary>
    public async Task<(OriginResponse? Response, int ErrorStatus, string? Error)> SendAsync(
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
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _originFetches);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        timeout.CancelAfter(_options.OriginResponseTimeout);
        try
        {
            var response = await origin.Invoker.SendAsync(message, timeout.Token).ConfigureAwait(false);
            Telemetry.EdgeTelemetry.OriginDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
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

            // The exception may quote what the upstream sent (an invalid status line): it goes to the log, never to the client.
            return (null, timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                $"Speedera: could not reach origin {route.Settings.Origin} for {route.Hostname}.\n");
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

    public async Task<FetchResult> FetchAsync(FetchRequest fetch)
    {
        var route = fetch.Route;
        var stale = fetch.Stale;
        var aborted = fetch.Client?.RequestAborted ?? CancellationToken.None;
        var message = OriginMessages.BuildRequest(fetch, HttpMethod.Get, conditionalFromStale: true);
        var (origin, errorStatus, error) = await SendAsync(route, message, aborted).ConfigureAwait(false);
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

            return await _tee.StreamAsync(fetch, response, status, headers, timing, varyNames, secondary, detail, aborted).ConfigureAwait(false);
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
}
