using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Speedera.Core.Cache;

namespace Speedera.Edge.Cache;

/// <summary>
/// The connection-level hit path. On a plain HTTP/1.1 connection, requests are looked at before Kestrel's HTTP layer:
/// a GET or HEAD whose head is plain (origin-form target, a Host, only header fields that cannot change the answer)
/// for a URL stored once, without Vary, fresh, in memory, with status 200 is answered right here — a prepared header
/// block per stored response, Age and Cache-Status, and the body lent to the sender (sendfile for large bodies) — and
/// counted in the usage rollups and the access log like any other request. The first request that is anything else
/// (a miss, stale, a validator, a range, a body, an odd byte, a head split over two reads) is not consumed: it and
/// everything after it on the connection go to Kestrel, which stays in charge of that connection from then on.
/// <para>
/// What it saves is Kestrel's per-request work (request parsing into a header dictionary, the HttpContext, the
/// middleware pipeline, response header serialization), which at 100 KB hits was most of the cache's user-space CPU.
/// The answers are the ones <see cref="StoredResponseWriter.TryServeAsync"/> gives: <c>FastHitTests</c> compares them byte for byte.
/// </para>
/// </summary>
internal sealed class FastHitServer
{
    /// <summary>Responses written before the sender is flushed, for pipelined requests.</summary>
    private const int FastFlushBytes = 64 * 1024;

    private static readonly byte[] CacheStatusHitLine = Encoding.ASCII.GetBytes($"\r\n{CacheStatusValues.Name}: {CacheStatusValues.Hit}\r\n\r\n");

    private static readonly byte[] NotFastServable = [];

    private const long NotArmed = long.MinValue / 2;

    private readonly CacheServerOptions _options;
    private readonly CacheStore _store;
    private readonly CacheRoutingSource _routing;
    private readonly UsageAggregator _usage;
    private readonly AccessLog? _accessLog;
    private readonly TimeProvider _time;
    private long _served;

    public FastHitServer(CacheServerOptions options, CacheStore store, CacheRoutingSource routing, UsageAggregator usage, AccessLog? accessLog)
    {
        _options = options;
        _store = store;
        _routing = routing;
        _usage = usage;
        _accessLog = accessLog;
        _time = options.TimeProvider;
    }

    /// <summary>Requests answered by the connection-level hit path.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>
    /// Answers what it can of a connection's requests; returns true when the connection goes on to Kestrel (with the
    /// first request not answered still unread), false when it is finished (closed by the client, idle past the
    /// keep-alive timeout, the server shutting down, or the sender failed).
    /// </summary>
    public async Task<bool> ServeAsync(ConnectionContext connection, PipeReader input, PipeWriter output)
    {
        var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        var idle = CancellationTokenSource.CreateLinkedTokenSource(closing);
        try
        {
            // The keep-alive timer is re-armed at most once a second (a timer change per request costs more than the
            // rest of the wait): an idle connection is closed between KeepAliveTimeout - 1 s (a quarter of it, if
            // shorter) and KeepAliveTimeout after its last request.
            long rearmAfter = Math.Min(1000, (long)_options.KeepAliveTimeout.TotalMilliseconds / 4);
            long armedAt = NotArmed;
            while (true)
            {
                if (!input.TryRead(out var result))
                {
                    // Waiting for the next request: the keep-alive timeout, or the server asking connections to close.
                    long now = Environment.TickCount64;
                    if (now - armedAt > rearmAfter)
                    {
                        idle.CancelAfter(_options.KeepAliveTimeout);
                        armedAt = now;
                    }

                    try
                    {
                        result = await input.ReadAsync(idle.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return false;
                    }
                }

                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    input.AdvanceTo(buffer.Start);
                    return true;
                }

                if (buffer.IsEmpty && result.IsCompleted)
                {
                    input.AdvanceTo(buffer.End);
                    return false;
                }

                int used = ServeBuffered(connection, buffer.FirstSpan, output, out long written);
                if (used == 0)
                {
                    // Not a request for this path, or not all of its head yet: Kestrel reads it from the start.
                    input.AdvanceTo(buffer.Start);
                    return true;
                }

                input.AdvanceTo(buffer.GetPosition(used));
                var flush = output.FlushAsync();
                FlushResult flushed;
                if (flush.IsCompletedSuccessfully)
                {
                    flushed = flush.Result;
                }
                else
                {
                    // A reader that takes nothing is dropped, as Kestrel drops one below its minimum data rate
                    // (240 bytes/s after a 5 s grace).
                    try
                    {
                        flushed = await flush.AsTask().WaitAsync(TimeSpan.FromSeconds(5 + (written / 240))).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        connection.Abort(new ConnectionAbortedException("The client did not read the response."));
                        return false;
                    }

                    // A slow download is not idleness: a keep-alive timer that ran out meanwhile starts again.
                    if (idle.IsCancellationRequested && !closing.IsCancellationRequested)
                    {
                        idle.Dispose();
                        idle = CancellationTokenSource.CreateLinkedTokenSource(closing);
                    }

                    armedAt = NotArmed;
                }

                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return false;
                }
            }
        }
        finally
        {
            idle.Dispose();
        }
    }

    /// <summary>Answers the complete, fast-servable requests at the start of <paramref name="data"/>; returns the bytes they took.</summary>
    private int ServeBuffered(ConnectionContext connection, ReadOnlySpan<byte> data, PipeWriter output, out long written)
    {
        int used = 0;
        written = 0;
        var routing = _routing.Current;
        while (used < data.Length && written < FastFlushBytes)
        {
            if (!FastRequest.TryParse(data[used..], out var request) || !TryServeFast(connection, routing, request, output, ref written))
            {
                break;
            }

            used += request.Length;
        }

        return used;
    }

    private bool TryServeFast(ConnectionContext connection, CacheRouting routing, in FastRequest request, PipeWriter output, ref long written)
    {
        Span<char> host = stackalloc char[request.Host.Length];
        Ascii.ToUtf16(request.Host, host, out _);
        var target = Encoding.ASCII.GetString(request.Target);
        if (!routing.TryRoute(host, target, out var route, out var path))
        {
            return false;
        }

        if (_store.LookupOnly(route.Hostname, path) is not { Status: 200 } entry || entry.Body.Memory is not { } body)
        {
            return false;
        }

        var age = entry.CurrentAge(_time.GetUtcNow());
        if (CachePolicy.Decide(entry.FreshnessLifetime, age, entry.Directives, default, entry.Invalidated) != ServeDecision.Fresh)
        {
            return false;
        }

        var head = entry.FastHead ??= FastHeadOf(entry);
        if (head.Length == 0)
        {
            return false;
        }

        CacheStore.Touch(entry);
        var span = output.GetSpan(head.Length + 32 + CacheStatusHitLine.Length);
        head.CopyTo(span);
        int n = head.Length;
        "Age: "u8.CopyTo(span[n..]);
        n += 5;
        Utf8Formatter.TryFormat(age <= TimeSpan.Zero ? 0L : (long)age.TotalSeconds, span[n..], out int digits);
        n += digits;
        CacheStatusHitLine.CopyTo(span[n..]);
        n += CacheStatusHitLine.Length;
        output.Advance(n);
        long bytes = request.IsHead ? 0 : body.Length;
        if (bytes > 0)
        {
            HitMemoryPool.WriteBody(output, body);
        }

        written += n + bytes;
        Interlocked.Increment(ref _served);
        _usage.Record(route.Hostname, 200, bytes, 0, hit: true);
        _accessLog?.Write(new AccessLogRecord(
            connection.RemoteEndPoint is IPEndPoint remote ? remote.Address.ToString() : "-",
            _time.GetUtcNow(),
            request.IsHead ? "HEAD" : "GET",
            target,
            "HTTP/1.1",
            200,
            bytes,
            request.Referer.IsEmpty ? null : Encoding.ASCII.GetString(request.Referer),
            request.UserAgent.IsEmpty ? null : Encoding.ASCII.GetString(request.UserAgent),
            route.Hostname,
            CacheStatusValues.Hit));
        return true;
    }

    /// <summary>
    /// The status line and the header fields <see cref="StoredResponseWriter.TryServeAsync"/> writes for a 200 from this stored
    /// response (Age and Cache-Status follow per request); empty when Kestrel must write it (a field it would refuse
    /// or a missing Date, which it would add).
    /// </summary>
    internal static byte[] FastHeadOf(CachedResponse entry)
    {
        var text = new StringBuilder(512).Append("HTTP/1.1 200 OK\r\n");
        bool date = false;
        foreach (var (name, values) in entry.Headers)
        {
            if (HttpHeaderRules.IsNotForwarded(name) || name.Equals("Accept-Ranges", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (name.Length == 0 || Encoding.ASCII.GetByteCount(name) != name.Length || !IsOnly(name, FastRequest.TokenBytes))
            {
                return NotFastServable;
            }

            date |= name.Equals("Date", StringComparison.OrdinalIgnoreCase);
            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }

                if (!IsOnly(value, FastRequest.ValueBytes))
                {
                    return NotFastServable;
                }

                text.Append(name).Append(": ").Append(value).Append("\r\n");
            }
        }

        if (!date)
        {
            return NotFastServable;
        }

        text.Append("Accept-Ranges: bytes\r\nContent-Length: ").Append(entry.Body.Length).Append("\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());

        static bool IsOnly(string value, SearchValues<byte> allowed)
        {
            foreach (var c in value)
            {
                if (c > 0x7F || !allowed.Contains((byte)c))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
