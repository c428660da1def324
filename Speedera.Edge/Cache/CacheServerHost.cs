using Microsoft.AspNetCore.Server.Kestrel.Core;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.Cache;
using Speedera.Core.Configuration;

namespace Speedera.Edge.Cache;

/// <summary>
/// The cache role of an edge node (the patent's WebCache): a Kestrel server (HTTP/1.1 and HTTP/2, optional TLS with a
/// certificate per hostname) in front of customer origins, with its store, purge, usage rollups and access log.
/// The configuration function is read on every request; returning a new object applies it atomically.
/// </summary>
public sealed class CacheServerHost : IAsyncDisposable
{
    private readonly CacheServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly OriginClient _origins;
    private readonly AccessLog? _accessLog;
    private readonly CacheProxy _proxy;
    private readonly CacheRoutingSource _routing;
    private readonly Lock _purgeGate = new();
    private readonly Dictionary<Guid, PurgeResult> _purges = [];
    private readonly Func<bool> _configurationLoaded;
    private WebApplication? _app;

    /// <summary>Answered by the cache itself on every host: 200 once it has a configuration.</summary>
    public const string HealthPath = "/.speedera/health";

    public CacheServerHost(CacheServerOptions options, Func<NetworkConfiguration?> configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        options.Validate();
        _options = options;
        _loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("Speedera.Edge.Cache");
        Store = new CacheStore(options, _logger);
        Usage = new UsageAggregator(options.PopId, options.NodeId, options.TimeProvider);
        var guards = new Speedera.Edge.Security.TargetGuardSource(configuration);
        _origins = new OriginClient(options, () => guards.Current, _logger);
        _accessLog = options.AccessLogPath is { } path ? new AccessLog(path, options.AccessLogMaxBytes, options.AccessLogMaxFiles, _logger) : null;
        var guardInForce = guards.Current.Fingerprint;
        _routing = new CacheRoutingSource(configuration, options.HeuristicFreshnessCap,
            r =>
            {
                Log.ConfigurationApplied(_logger, r.Configuration?.Version ?? 0, r.Count);

                // Pooled origin connections were checked by the guard of their time; when the rules change, new requests open new ones.
                var guard = Speedera.Core.Security.NetworkTargetGuard.For(r.Configuration).Fingerprint;
                var keep = guard == guardInForce ? r.Routes.Select(route => route.OriginKey).ToHashSet(StringComparer.Ordinal) : [];
                guardInForce = guard;
                _origins.Retain(keep, TimeSpan.FromMinutes(10));
            });
        _proxy = new CacheProxy(options, Store, _origins, _routing, Usage, _accessLog, _logger);
        _configurationLoaded = () => configuration() is not null;
    }

    public CacheServerHost(CacheServerOptions options, CacheConfigurationHolder holder)
        : this(options, () => holder.Current)
    {
    }

    public CacheStore Store { get; }

    public UsageAggregator Usage { get; }

    /// <summary>Requests answered by the connection-level hit path (<see cref="CacheServerOptions.FastHits"/>).</summary>
    public long FastHits => _proxy.FastHits;

    /// <summary>Requests sent to origins so far.</summary>
    public long OriginFetches => _proxy.OriginFetches;

    /// <summary>The addresses actually bound (the port is filled in when 0 was asked for).</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <summary>Loads the disk tier and starts listening.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("Already started.");
        }

        Store.LoadFromDisk();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "Speedera.Edge.Cache" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Empty);
        builder.Services.AddSingleton(_loggerFactory);
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = _options.InlineScheduling);
        HitMemoryPool.Register(builder.Services);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.KeepAliveTimeout = _options.KeepAliveTimeout;

            // Let a cached body up to the memory-object limit be handed to the transport in one write instead of
            // waiting on the 64 KB default response buffer.
            kestrel.Limits.MaxResponseBufferSize = Math.Max(64 * 1024, _options.MemoryObjectLimitBytes);
            kestrel.Limits.Http2.MaxStreamsPerConnection = 256;
            // Without TLS there is no ALPN to offer HTTP/2 on; such listeners speak HTTP/1.1 (or h2c when asked for alone).
            var plain = _options.Protocols == HttpProtocols.Http1AndHttp2 ? HttpProtocols.Http1 : _options.Protocols;
            void Plain(ListenOptions listen)
            {
                listen.Protocols = plain;
                if (_options.ZeroCopySend)
                {
                    listen.UseZeroCopySend(_options.FastHits && plain == HttpProtocols.Http1 ? _proxy.ServeFastHitsAsync : null);
                }
            }

            kestrel.Listen(_options.ListenEndpoint, Plain);
            foreach (var extra in _options.AdditionalListenEndpoints.Where(e => !e.Equals(_options.ListenEndpoint)))
            {
                kestrel.Listen(extra, Plain);
            }
            if (_options.HttpsListenEndpoint is { } https)
            {
                var selector = _options.CertificateSelector!;
                kestrel.Listen(https, listen =>
                {
                    listen.Protocols = _options.Protocols;
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificateSelector = (_, name) => selector(name),
                    });
                });
            }
        });
        var app = builder.Build();
        // What service probes test (the demo network's HTTP check): up once a configuration is loaded.
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.Equals(HealthPath, StringComparison.Ordinal))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var ready = _configurationLoaded();
            context.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(ready ? "ok\n" : "no configuration yet\n", context.RequestAborted).ConfigureAwait(false);
        });
        app.Run(_proxy.InvokeAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Addresses = addresses.Select(a => new Uri(a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal))).ToList();
        foreach (var address in Addresses)
        {
            Log.Listening(_logger, address.ToString());
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies a purge order (idempotent: an order already applied is reported again without running twice) and returns
    /// the node's result for the control plane to record as done.
    /// </summary>
    public PurgeResult ApplyPurge(PurgeOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        lock (_purgeGate)
        {
            if (_purges.TryGetValue(order.Id, out var done))
            {
                return done;
            }
        }

        // Objects are stored under the canonical hostname; an order may name an alias.
        if (_routing.Current.TryGet(order.Hostname.AsSpan().TrimEnd('.'), out var route) && route.Hostname != order.Hostname)
        {
            order = order with { Hostname = route.Hostname };
        }

        var count = Store.Purge(order);
        Log.Purged(_logger, order.Id, order.Kind.ToString(), order.Hostname, order.Path, order.Soft, count);
        var result = new PurgeResult(order.Id, _options.NodeId, PurgeStatus.Done, count, _options.TimeProvider.GetUtcNow());
        lock (_purgeGate)
        {
            _purges[order.Id] = result;
            if (_purges.Count > 10_000)
            {
                foreach (var old in _purges.Values.OrderBy(r => r.CompletedAt).Take(5_000).ToList())
                {
                    _purges.Remove(old.OrderId);
                }
            }
        }

        return result;
    }

    /// <summary>Results of orders applied on this node, for reporting status back.</summary>
    public IReadOnlyList<PurgeResult> PurgeResults()
    {
        lock (_purgeGate)
        {
            return _purges.Values.OrderBy(r => r.CompletedAt).ToList();
        }
    }

    /// <summary>Waits for queued disk-tier writes (tests, and before a planned restart).</summary>
    public Task FlushAsync() => Store.FlushAsync();

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
        if (_accessLog is not null)
        {
            await _accessLog.DisposeAsync().ConfigureAwait(false);
        }

        _origins.Dispose();
    }

    internal static IPEndPoint DefaultEndpoint => new(IPAddress.Loopback, 8080);
}
