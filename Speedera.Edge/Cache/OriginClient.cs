using System.Collections.Concurrent;
using System.Net;

namespace Speedera.Edge.Cache;

/// <summary>Why an origin request failed, mapped to the status the client gets (RFC 9110 §15.6.3 502, §15.6.5 504).</summary>
internal enum OriginFailure
{
    None,
    ConnectFailed,
    Timeout,
    Busy,
    BadResponse,
}

/// <summary>
/// Connections to origins: one pooled <see cref="SocketsHttpHandler"/> per origin (scheme, host, port), connect and
/// response timeouts, and a bound on concurrent requests per origin so that a hanging origin holds at most that many
/// requests and cannot exhaust the proxy.
/// </summary>
internal sealed class OriginClient : IDisposable
{
    private readonly ConcurrentDictionary<string, Origin> _origins = new(StringComparer.Ordinal);
    private readonly CacheServerOptions _options;

    public OriginClient(CacheServerOptions options) => _options = options;

    internal sealed class Origin : IDisposable
    {
        public Origin(HttpMessageInvoker invoker, int concurrency)
        {
            Invoker = invoker;
            Slots = new SemaphoreSlim(concurrency, concurrency);
        }

        public HttpMessageInvoker Invoker { get; }

        public SemaphoreSlim Slots { get; }

        public void Dispose()
        {
            Invoker.Dispose();
            Slots.Dispose();
        }
    }

    public Origin Get(string originKey) => _origins.GetOrAdd(originKey, static (_, self) => self.Create(), this);

    private Origin Create()
    {
        var resolver = _options.OriginResolver;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = _options.OriginConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = _options.MaxConcurrentRequestsPerOrigin,
            ResponseDrainTimeout = TimeSpan.FromSeconds(2),
            ActivityHeadersPropagator = null,
            ConnectCallback = (context, ct) => ConnectAsync(resolver, context.DnsEndPoint, ct),
        };
        return new Origin(new HttpMessageInvoker(handler, disposeHandler: true), _options.MaxConcurrentRequestsPerOrigin);
    }

    private static async ValueTask<Stream> ConnectAsync(OriginResolver? resolver, DnsEndPoint endPoint, CancellationToken ct)
    {
        var socket = await CacheServerOptions.ConnectAsync(resolver, endPoint, ct).ConfigureAwait(false);
        return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
    }

    public void Dispose()
    {
        foreach (var origin in _origins.Values)
        {
            origin.Dispose();
        }

        _origins.Clear();
    }
}

/// <summary>An origin response together with the concurrency slot it holds until disposed.</summary>
internal sealed class OriginResponse : IDisposable
{
    private SemaphoreSlim? _slot;

    public OriginResponse(HttpResponseMessage message, SemaphoreSlim slot, DateTimeOffset requestTime, DateTimeOffset responseTime)
    {
        Message = message;
        _slot = slot;
        RequestTime = requestTime;
        ResponseTime = responseTime;
    }

    public HttpResponseMessage Message { get; }

    public DateTimeOffset RequestTime { get; }

    public DateTimeOffset ResponseTime { get; }

    public void Dispose()
    {
        Message.Dispose();
        Interlocked.Exchange(ref _slot, null)?.Release();
    }
}
