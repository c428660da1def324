using System.Buffers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>
/// Copies an origin response body to the client and into the store at once (disk file chunk by chunk, memory when it
/// stays small); a client that goes away does not stop a body that is being stored.
/// </summary>
internal sealed class ResponseTee
{
    private const int CopyBufferSize = 64 * 1024;
    private readonly CacheServerOptions _options;
    private readonly CacheStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public ResponseTee(CacheServerOptions options, CacheStore store, ILogger logger)
    {
        _options = options;
        _store = store;
        _logger = logger;
        _time = options.TimeProvider;
    }

    /// <summary>
    /// Streams a response to the client (if any) while storing it when allowed: large or unknown-length bodies go to a disk
    /// file chunk by chunk, never whole into memory; bodies that turn out small are kept in memory too.
    /// </summary>
    public async Task<FetchResult> StreamAsync(
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
            StoredResponseWriter.WriteHeaders(clientResponse, headers, notModified: false);
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
}
