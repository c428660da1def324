using System.Collections.Concurrent;
using System.Net;
using Speedera.Core.Security;
using Speedera.Edge.Security;

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
    private readonly GuardedConnector _connector;

    /// <summary>Origins are customer-given targets: every connection goes through the guard of the configuration in force.</summary>
    public OriginClient(CacheServerOptions options, Func<NetworkTargetGuard> guard, Microsoft.Extensions.Logging.ILogger? logger = null)
    {
        _options = options;
        var resolver = options.OriginResolver;
        _connector = new GuardedConnector(guard, resolver is null ? null : new TargetResolver(resolver.Invoke), options.OriginSocketFactory, logger);
    }

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
            ConnectCallback = _connector.ConnectStreamAsync,
        };
        return new Origin(new HttpMessageInvoker(handler, disposeHandler: true), _options.MaxConcurrentRequestsPerOrigin);
    }

    /// <summary>
    /// Drops pools of origins no longer in the configuration. They are disposed after a grace period, so requests still
    /// running on the previous configuration finish on their connections.
    /// </summary>
    public void Retain(IReadOnlySet<string> originKeys, TimeSpan grace)
    {
        foreach (var (key, origin) in _origins)
        {
            if (!originKeys.Contains(key) && _origins.TryRemove(new KeyValuePair<string, Origin>(key, origin)))
            {
                _ = Task.Delay(grace).ContinueWith(_ => origin.Dispose(), TaskScheduler.Default);
            }
        }
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
