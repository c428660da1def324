using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>
/// Answers a request from a stored response through Kestrel: validators (304), byte ranges (single and multipart),
/// HEAD, Age and Cache-Status, with the body from memory (lent to the response pipe) or from the disk tier.
/// </summary>
internal sealed class StoredResponseWriter
{
    private const int CopyBufferSize = 64 * 1024;
    private readonly CacheServerOptions _options;
    private readonly CacheStore _store;

    public StoredResponseWriter(CacheServerOptions options, CacheStore store)
    {
        _options = options;
        _store = store;
    }

    public static void WriteHeaders(HttpResponse response, KeyValuePair<string, StringValues>[] headers, bool notModified)
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
    public async ValueTask<Served?> TryServeAsync(HttpContext context, CachedResponse entry, TimeSpan age, string cacheStatus, bool hit, long bytesFromOrigin)
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
            WriteHeaders(response, entry.Headers, notModified: true);
            headers.Age = ageValue;
            headers[CacheStatusValues.Name] = cacheStatus;
            return new Served(304, 0, bytesFromOrigin, hit, cacheStatus);
        }

        response.StatusCode = entry.Status;
        WriteHeaders(response, entry.Headers, notModified: false);
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
}
