using System.Net;

namespace Speedera.Edge.Dns;

/// <summary>Settings of the dns role. Units are in the types (TimeSpan) or the names.</summary>
public sealed record DnsServerOptions
{
    /// <summary>Where UDP and TCP listen; port 0 picks a free port (see <see cref="DnsServerHost.BoundEndPoint"/>).</summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Loopback, 8053);

    /// <summary>Concurrent UDP receive loops; 0 means one per processor (at least two).</summary>
    public int UdpReceiveLoops { get; init; }

    /// <summary>
    /// UDP sockets on the port (Linux, SO_REUSEPORT); the receive loops share them round-robin. 0 means one per two
    /// loops. The kernel hashes each client (address and port) to one socket, so with one socket per loop a few busy
    /// clients can leave a loop idle (bench/dns with 4 dnsperf sockets: 20 % fewer answers); two loops on a socket
    /// take whatever datagram is waiting, and more sockets still spread the lock over many cores.
    /// </summary>
    public int UdpSockets { get; init; }

    /// <summary>
    /// On Linux, receive and send UDP in batches (recvmmsg/sendmmsg: two system calls per batch of up to 32 queries
    /// instead of two per query). Off: one blocking receive and one send per query, as on other systems.
    /// </summary>
    public bool UdpBatching { get; init; } = true;

    /// <summary>
    /// With batching: the first loop on each socket waits for datagrams; the others sleep until the loop before them
    /// receives four full batches in a row (a backlog) and then drain the queue with it; while the first loop is busy a
    /// helper also looks at the queue every 200 µs, so a first loop preempted in mid-burst does not hold the queue.
    /// A server that keeps up runs about one thread per socket: fewer wake-ups and larger batches. bench/dns on this
    /// 2-core machine could not tell the two modes apart beyond its noise (see bench/dns/results.txt).
    /// Off: every loop waits on its socket.
    /// </summary>
    public bool UdpHelpersOnDemand { get; init; } = true;

    /// <summary>The largest UDP response we send, whatever the client advertises (DNS Flag Day 2020).</summary>
    public int MaxUdpPayloadBytes { get; init; } = 1232;

    /// <summary>RFC 5001 NSID answered to queries that ask for it (the node id); none when null.</summary>
    public string? Nsid { get; init; }

    /// <summary>RFC 7873 server cookies: issued to clients that send a cookie; a valid one exempts the client from rate limiting.</summary>
    public bool Cookies { get; init; } = true;

    /// <summary>How often the cookie secret changes; cookies made with the previous secret stay valid until the next change.</summary>
    public TimeSpan CookieSecretRotation { get; init; } = TimeSpan.FromHours(12);

    /// <summary>RFC 7766 §6.2.3: close idle TCP connections.</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int MaxTcpConnections { get; init; } = 1000;

    /// <summary>UDP responses per second per client /24 (IPv6 /56); 0 turns response rate limiting off.</summary>
    public int RateLimitResponsesPerSecond { get; init; } = 200;

    /// <summary>Every Nth response over the limit is sent truncated instead of dropped, so real clients retry over TCP.</summary>
    public int RateLimitSlip { get; init; } = 2;

    /// <summary>Query log file (rotated by size); null turns the log off.</summary>
    public string? QueryLogPath { get; init; }

    /// <summary>At most this many queries a second are logged; the rest are counted in a comment line.</summary>
    public int QueryLogPerSecond { get; init; } = 100;

    public long QueryLogMaxBytes { get; init; } = 50L * 1024 * 1024;

    public int QueryLogFiles { get; init; } = 5;

    public void Validate()
    {
        if (QueryLogPath is not null && (QueryLogPerSecond < 1 || QueryLogMaxBytes < 1024 || QueryLogFiles < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(QueryLogPerSecond), "The query log needs a rate of at least 1 a second, files of at least 1 KB and at least one file.");
        }

        if (MaxUdpPayloadBytes is < 512 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxUdpPayloadBytes), MaxUdpPayloadBytes, "must be between 512 and 65535 bytes");
        }

        if (TcpIdleTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(TcpIdleTimeout), TcpIdleTimeout, "must be positive");
        }

        if (MaxTcpConnections < 1 || RateLimitResponsesPerSecond < 0 || RateLimitSlip < 0 || UdpReceiveLoops < 0)
        {
            throw new ArgumentException("MaxTcpConnections must be positive; rate limit, slip and loop counts must not be negative.");
        }
    }
}
