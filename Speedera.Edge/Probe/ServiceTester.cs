using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Speedera.Core.Configuration;
using Microsoft.Extensions.Logging;
using Speedera.Core.Probes;
using Speedera.Core.Security;
using Speedera.Edge.LoadP;
using Speedera.Edge.Security;

namespace Speedera.Edge.Probe;

/// <summary>
/// Runs one service test the way a user would experience the service (patent: "the service
/// itself is evaluated as a user would experience it"). Every failure, including the timeout,
/// becomes metric 65535 with an error code; nothing throws except cancellation by the caller.
/// Customer servers (GTM addresses) are contacted only through the <see cref="GuardedConnector"/>: an address the
/// <see cref="NetworkTargetGuard"/> refuses fails as <see cref="ProbeError.TargetRefused"/> without a packet sent.
/// Our own edge servers are tested directly. With no guard given, production rules apply (<see cref="NetworkTargetGuard.Strict"/>).
/// </summary>
public sealed class ServiceTester(
    TimeProvider time,
    RemoteCertificateValidationCallback? certificateValidation = null,
    SocketFactory? socketFactory = null,
    Func<NetworkTargetGuard>? guard = null,
    ILogger? logger = null)
{
    private readonly SocketFactory _sockets = socketFactory ?? SocketFactories.Default;
    private readonly GuardedConnector _guarded = new(guard ?? (static () => NetworkTargetGuard.Strict), sockets: socketFactory, logger: logger);

    /// <summary>Bytes of an HTTP body kept for the expected-content check; the rest is read and dropped.</summary>
    public const int MaxContentCheckBytes = 1 << 20;

    /// <summary>Bytes of an HTTP body read at most, so a huge or endless body ends the test.</summary>
    public const long MaxBodyBytes = 64L << 20;

    public async Task<ServiceMetric> TestAsync(Server server, ServiceCheck check, TimeSpan timeout, string probeNodeId, CancellationToken cancellationToken)
    {
        var key = new ServiceKey(server.Id, check.Id);
        var startedAt = time.GetUtcNow();
        if (check.Type == ServiceType.NoLoad)
        {
            return new ServiceMetric(key, 1, ProbeError.None, startedAt, probeNodeId);
        }

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            if (!IPAddress.TryParse(server.Address, out var address))
            {
                return Failed(key, ProbeError.Other, startedAt, probeNodeId);
            }

            var guarded = server.Kind == ServerKind.Customer;
            if (guarded && !_guarded.Guard.Check(address).Allowed)
            {
                // Refused before any socket exists; the connector below would refuse it again at connect.
                return Failed(key, ProbeError.TargetRefused, startedAt, probeNodeId);
            }

            var endpoint = new IPEndPoint(address, check.Port);
            Func<CancellationToken, ValueTask<Socket>> connect = guarded
                ? token => _guarded.ConnectAsync(address.ToString(), check.Port, token)
                : token => ConnectDirectAsync(endpoint, token);
            var (value, error) = check.Type switch
            {
                ServiceType.Http or ServiceType.Https => await HttpAsync(endpoint, connect, check, timeout, timeoutCts.Token).ConfigureAwait(false),
                ServiceType.Ftp => await FtpAsync(connect, timeoutCts.Token).ConfigureAwait(false),
                ServiceType.Tcp => await TcpAsync(connect, timeoutCts.Token).ConfigureAwait(false),
                ServiceType.LoadP => await LoadPAsync(connect, timeoutCts.Token).ConfigureAwait(false),
                _ => (ServiceMetric.FailedValue, ProbeError.Other),
            };

            if (error != ProbeError.None)
            {
                return Failed(key, error, startedAt, probeNodeId);
            }

            // HTTP/FTP/TCP: elapsed milliseconds; LOADP: the load figure itself.
            var metric = value ?? ElapsedMetric(stopwatch.Elapsed);
            return new ServiceMetric(key, metric, ProbeError.None, startedAt, probeNodeId);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(key, ProbeError.Timeout, startedAt, probeNodeId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(key, Classify(ex), startedAt, probeNodeId);
        }
    }

    internal static int ElapsedMetric(TimeSpan elapsed) =>
        (int)Math.Clamp(Math.Ceiling(elapsed.TotalMilliseconds), 1, ServiceMetric.FailedValue - 1);

    internal static ProbeError Classify(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case TargetRefusedException:
                    return ProbeError.TargetRefused;
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.HostUnreachable or SocketError.NetworkUnreachable }:
                    return ProbeError.ConnectionRefused;
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                    return ProbeError.Timeout;
                case AuthenticationException:
                    return ProbeError.TlsError;
                case TimeoutException:
                    return ProbeError.Timeout;
            }
        }

        return ex is HttpRequestException or IOException ? ProbeError.ProtocolError : ProbeError.Other;
    }

    private static ServiceMetric Failed(ServiceKey key, ProbeError error, DateTimeOffset at, string node) =>
        new(key, ServiceMetric.FailedValue, error, at, node);

    private async ValueTask<Socket> ConnectDirectAsync(IPEndPoint endpoint, CancellationToken ct)
    {
        var socket = _sockets(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(endpoint, ct).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<(int?, ProbeError)> HttpAsync(IPEndPoint endpoint, Func<CancellationToken, ValueTask<Socket>> connect, ServiceCheck check, TimeSpan timeout, CancellationToken ct)
    {
        var https = check.Type == ServiceType.Https;

        // A new handler per test: a fresh TCP connection and, for HTTPS, a full handshake with
        // session resumption off (patent: "a separate secure session with full key exchange").
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.Zero,
            MaxConnectionsPerServer = 1,
            ConnectTimeout = timeout,
            SslOptions = new SslClientAuthenticationOptions
            {
                AllowTlsResume = false,
                RemoteCertificateValidationCallback = certificateValidation,
                TargetHost = https ? check.HostHeader : null,
            },
            ConnectCallback = async (context, token) => new NetworkStream(await connect(token).ConfigureAwait(false), ownsSocket: true),
        };
        using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var host = endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        var path = string.IsNullOrEmpty(check.Path) ? "/" : (check.Path.StartsWith('/') ? check.Path : "/" + check.Path);
        var uri = new Uri($"{(https ? "https" : "http")}://{host}:{endpoint.Port}{path}");
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (!string.IsNullOrEmpty(check.HostHeader))
        {
            request.Headers.Host = check.HostHeader;
        }

        request.Headers.ConnectionClose = true;
        request.Headers.UserAgent.ParseAdd("Speedera-ServiceProbe/1");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        var body = await ReadBodyAsync(response, ct).ConfigureAwait(false);

        var statusOk = check.ExpectedStatus == 0 ? (int)response.StatusCode is >= 200 and < 300 : (int)response.StatusCode == check.ExpectedStatus;
        if (!statusOk)
        {
            return (null, ProbeError.UnexpectedStatus);
        }

        if (!string.IsNullOrEmpty(check.ExpectedContent) && !body.Contains(check.ExpectedContent, StringComparison.Ordinal))
        {
            return (null, ProbeError.ContentMismatch);
        }

        return (null, ProbeError.None);
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using var _ = stream.ConfigureAwait(false);
        var kept = new MemoryStream();
        var buffer = new byte[16384];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            total += n;
            if (kept.Length < MaxContentCheckBytes)
            {
                kept.Write(buffer, 0, (int)Math.Min(n, MaxContentCheckBytes - kept.Length));
            }

            if (total > MaxBodyBytes)
            {
                throw new IOException("Response body exceeds the probe's limit.");
            }
        }

        return Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length);
    }

    /// <summary>Connect, wait for the 220 ready reply (RFC 959 §4.2, 120 means "ready soon"), send QUIT.</summary>
    private static async Task<(int?, ProbeError)> FtpAsync(Func<CancellationToken, ValueTask<Socket>> connect, CancellationToken ct)
    {
        using var socket = await connect(ct).ConfigureAwait(false);
        var buffer = new byte[4096];
        var length = 0;
        var lineStart = 0;
        while (true)
        {
            var newline = Array.IndexOf(buffer, (byte)'\n', lineStart, length - lineStart);
            if (newline < 0)
            {
                if (length == buffer.Length)
                {
                    return (null, ProbeError.ProtocolError);
                }

                var n = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    return (null, ProbeError.ProtocolError);
                }

                length += n;
                continue;
            }

            var line = Encoding.ASCII.GetString(buffer, lineStart, newline - lineStart).TrimEnd('\r');
            lineStart = newline + 1;

            // The final line of a reply is "ddd text"; "ddd-text" lines continue it.
            if (line.Length < 3 || !line.Take(3).All(char.IsAsciiDigit) || (line.Length > 3 && line[3] != ' '))
            {
                continue;
            }

            var code = line[..3];
            if (code == "120")
            {
                continue;
            }

            if (code != "220")
            {
                return (null, ProbeError.ProtocolError);
            }

            await socket.SendAsync("QUIT\r\n"u8.ToArray(), SocketFlags.None, ct).ConfigureAwait(false);
            return (null, ProbeError.None);
        }
    }

    private static async Task<(int?, ProbeError)> TcpAsync(Func<CancellationToken, ValueTask<Socket>> connect, CancellationToken ct)
    {
        using var socket = await connect(ct).ConfigureAwait(false);
        return (null, ProbeError.None);
    }

    private static async Task<(int?, ProbeError)> LoadPAsync(Func<CancellationToken, ValueTask<Socket>> connect, CancellationToken ct)
    {
        using var socket = await connect(ct).ConfigureAwait(false);
        var (figures, _) = await LoadPClient.QueryConnectedAsync(socket, ct).ConfigureAwait(false);

        // An agent that answers but cannot compute reports load 1000, which is a value, not a failure.
        return (LoadMetric.Compute(figures), ProbeError.None);
    }
}
