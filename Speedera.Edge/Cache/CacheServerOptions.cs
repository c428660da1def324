using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Speedera.Edge.Cache;

/// <summary>Resolves an origin name to addresses; tests map names such as <c>wwx.customer.com</c> to 127.0.0.x.</summary>
public delegate ValueTask<IPAddress[]> OriginResolver(string host, CancellationToken cancellationToken);

/// <summary>Settings of one cache node. Sizes are in bytes, durations are <see cref="TimeSpan"/>s.</summary>
public sealed class CacheServerOptions
{
    public IPEndPoint ListenEndpoint { get; set; } = new(IPAddress.Loopback, 8080);

    /// <summary>More plain-HTTP addresses to serve on (a node answering for several server addresses).</summary>
    public IReadOnlyList<IPEndPoint> AdditionalListenEndpoints { get; set; } = [];

    public HttpProtocols Protocols { get; set; } = HttpProtocols.Http1AndHttp2;

    /// <summary>Optional TLS endpoint; the selector picks a certificate per SNI hostname (null name: no SNI).</summary>
    public IPEndPoint? HttpsListenEndpoint { get; set; }

    public Func<string?, X509Certificate2?>? CertificateSelector { get; set; }

    public string NodeId { get; set; } = "cache-1";

    public string PopId { get; set; } = "local";

    public long MemoryCapacityBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Bodies up to this size are kept in memory; larger ones live on disk only.</summary>
    public long MemoryObjectLimitBytes { get; set; } = 1024 * 1024;

    /// <summary>Directory of the disk tier; null disables it (then only objects up to <see cref="MemoryObjectLimitBytes"/> are stored).</summary>
    public string? DiskPath { get; set; }

    public long DiskCapacityBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Larger responses are passed through and not stored.</summary>
    public long MaxObjectSizeBytes { get; set; } = 1024L * 1024 * 1024;

    public TimeSpan OriginConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed from sending a request to the origin until its response headers arrive.</summary>
    public TimeSpan OriginResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest pause allowed between two reads of an origin body.</summary>
    public TimeSpan OriginBodyIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public int MaxConcurrentRequestsPerOrigin { get; set; } = 128;

    /// <summary>How long a request may wait for an origin slot before it is answered 503.</summary>
    public TimeSpan OriginQueueTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan HeuristicFreshnessCap { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long past freshness a stored response may still be served when the origin cannot be reached (connect failure or
    /// timeout; not for 5xx answers), unless the response forbids stale use (RFC 9111 §4.2.4). Zero turns it off.
    /// </summary>
    public TimeSpan StaleIfOriginUnreachable { get; set; } = TimeSpan.FromMinutes(10);

    public OriginResolver? OriginResolver { get; set; }

    /// <summary>
    /// Makes the sockets origin connections use (default: ordinary sockets). Tests record what would be dialled through it;
    /// a deployment may bind origin traffic to a VRF. Every origin connection passes the target guard first.
    /// </summary>
    public Speedera.Edge.Probe.SocketFactory? OriginSocketFactory { get; set; }

    /// <summary>Combined-format access log; null disables it.</summary>
    public string? AccessLogPath { get; set; }

    public long AccessLogMaxBytes { get; set; } = 64L * 1024 * 1024;

    public int AccessLogMaxFiles { get; set; } = 5;

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Run request handling on the socket I/O threads (Kestrel's UnsafePreferInlineScheduling). The handler never blocks
    /// synchronously, and skipping the thread-pool hop is measurably faster on the hit path; switch off to be conservative.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>
    /// On Linux, keep bodies of 16 KB and more in sealed memfds and send them on plain HTTP/1.1 connections with
    /// sendfile(2) instead of copying them into the socket (see <see cref="ZeroCopySender"/>); off: arrays and copies.
    /// </summary>
    public bool ZeroCopySend { get; set; } = true;

    /// <summary>
    /// Answer fresh in-memory hits of plain HTTP/1.1 GET and HEAD requests on the connection itself, before Kestrel's
    /// HTTP layer (see <c>FastHitServer.ServeAsync</c>); anything else on the connection goes to Kestrel as before.
    /// Needs <see cref="ZeroCopySend"/> (it answers through the same sender).
    /// </summary>
    public bool FastHits { get; set; } = true;

    /// <summary>How long an idle keep-alive connection is kept open (Kestrel's default).</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(130);

    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The signed status site served for <c>status.speedera.net</c>; null: that host is unknown like any other.</summary>
    public Func<Speedera.Edge.ControlPlane.StatusSiteContent?>? StatusSite { get; set; }

    internal void Validate()
    {
        static void Positive(long value, string name)
        {
            if (value <= 0)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
            }
        }

        Positive(MemoryCapacityBytes, nameof(MemoryCapacityBytes));
        Positive(MemoryObjectLimitBytes, nameof(MemoryObjectLimitBytes));
        Positive(DiskCapacityBytes, nameof(DiskCapacityBytes));
        Positive(MaxObjectSizeBytes, nameof(MaxObjectSizeBytes));
        Positive(MaxConcurrentRequestsPerOrigin, nameof(MaxConcurrentRequestsPerOrigin));
        Positive(OriginConnectTimeout.Ticks, nameof(OriginConnectTimeout));
        Positive(OriginResponseTimeout.Ticks, nameof(OriginResponseTimeout));
        Positive(OriginBodyIdleTimeout.Ticks, nameof(OriginBodyIdleTimeout));
        Positive(KeepAliveTimeout.Ticks, nameof(KeepAliveTimeout));
        if (MemoryObjectLimitBytes > MemoryCapacityBytes)
        {
            throw new ArgumentException("MemoryObjectLimitBytes cannot exceed MemoryCapacityBytes.");
        }

        if (HttpsListenEndpoint is not null && CertificateSelector is null)
        {
            throw new ArgumentException("HttpsListenEndpoint needs a CertificateSelector.");
        }
    }
}
