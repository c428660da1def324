using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Speedera.Core.PageCheck;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// The connections of one view to one origin, as a browser keeps them. Over TLS the first connection offers h2 and
/// http/1.1 by ALPN and the others wait for its answer: with HTTP/2 every request becomes a stream of that one
/// connection; with HTTP/1.1 at most <c>maxConnections</c> are open (browsers use 6 per host), idle ones are reused and
/// requests beyond that queue (HAR "blocked").
/// </summary>
internal sealed class OriginPool(ConnectTarget target, int maxConnections, PageTargetConnector connector, Func<int> nextConnectionId, PageCheckAgentOptions options) : IDisposable
{
    private readonly Stack<Http1Connection> _idle = new();
    private readonly Queue<TaskCompletionSource<Lease>> _waiters = new();
    private readonly Lock _gate = new();
    private Http2Connection? _h2;
    private bool _protocolKnown = target.Scheme != "https" || !options.Http2;
    private int _open;
    private bool _disposed;

    public async Task<FetchResult> FetchAsync(FetchRequest request, ResolverCache resolver, CancellationToken cancellationToken)
    {
        var time = connector.Time;
        var queued = time.GetTimestamp();
        var lease = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        var acquired = time.GetTimestamp();
        long? dnsStart = null, dnsEnd = null, connectEnd = null, tlsStart = null, tlsEnd = null;
        Http1Connection? h1 = lease.H1;
        var h2 = lease.H2;
        var isNew = lease.MayOpen;
        var tls = lease.H2?.Tls ?? lease.H1?.Tls;
        try
        {
            if (lease.MayOpen)
            {
                var opened = await connector.OpenAsync(target, resolver, cancellationToken).ConfigureAwait(false);
                (dnsStart, dnsEnd, connectEnd) = (opened.DnsStart, opened.DnsEnd, opened.ConnectEnd);
                Stream stream = new System.Net.Sockets.NetworkStream(opened.Socket, ownsSocket: false);
                var alpn = "http/1.1";
                if (target.Scheme == "https")
                {
                    tlsStart = time.GetTimestamp();
                    var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                    try
                    {
                        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                        {
                            TargetHost = target.HostHeader.Split(':')[0],
                            ApplicationProtocols = options.Http2 ? [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11] : [SslApplicationProtocol.Http11],
                            EnabledSslProtocols = SslProtocols.None,
                            RemoteCertificateValidationCallback = options.CertificateValidation,
                        }, cancellationToken).ConfigureAwait(false);
                    }
                    catch
                    {
                        await ssl.DisposeAsync().ConfigureAwait(false);
                        opened.Socket.Dispose();
                        throw;
                    }

                    tlsEnd = time.GetTimestamp();
                    stream = ssl;
                    alpn = ssl.NegotiatedApplicationProtocol == SslApplicationProtocol.Http2 ? "h2" : "http/1.1";
                    tls = Describe(ssl, alpn);
                }

                if (alpn == "h2")
                {
                    h2 = new Http2Connection(opened.Socket, stream, opened.Remote, nextConnectionId(), time) { Tls = tls };
                    await h2.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    h1 = new Http1Connection(opened.Socket, stream, opened.Remote, nextConnectionId(), time) { Tls = tls };
                }

                Learned(h2);

                // No name to resolve (an address or our own cache): the connection starts when the dial does.
                acquired = opened.DnsStart ?? opened.ConnectStart;
            }

            var r = h2 is not null
                ? await h2.SendAsync(request, cancellationToken).ConfigureAwait(false)
                : await h1!.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var marks = new RequestMarks(queued, acquired, dnsStart, dnsEnd, connectEnd, tlsStart, tlsEnd, r.SendStart, r.SendEnd, r.FirstByte, r.End);
            return new FetchResult
            {
                Marks = marks,
                Status = r.Status,
                Reason = r.Reason,
                HttpVersion = r.Version,
                RequestHeaders = r.RequestHeaders,
                ResponseHeaders = r.Headers,
                RequestHeaderBytes = r.RequestBytes,
                ResponseHeaderBytes = r.HeaderBytes,
                Body = r.Body,
                Remote = h2?.Remote ?? h1!.Remote,
                ConnectionId = h2?.Id ?? h1!.Id,
                NewConnection = isNew,
                Tls = tls,
            };
        }
        catch when (lease.MayOpen && h1 is null && h2 is null)
        {
            // The connection never came up: give its slot to the next waiter (the protocol is still unknown).
            ReleaseSlot();
            throw;
        }
        finally
        {
            if (h1 is not null)
            {
                Release(h1);
            }
            else if (h2 is not null && !h2.Usable)
            {
                Drop(h2);
            }
        }
    }

    private static TlsDetails Describe(SslStream ssl, string alpn)
    {
        using var certificate = ssl.RemoteCertificate is { } c ? new X509Certificate2(c) : null;
        return new TlsDetails(
            ssl.SslProtocol.ToString(),
            ssl.NegotiatedCipherSuite.ToString(),
            alpn,
            certificate?.Subject,
            certificate?.Issuer,
            certificate?.NotBefore.ToUniversalTime(),
            certificate?.NotAfter.ToUniversalTime(),
            certificate?.GetNameInfo(X509NameType.DnsName, false));
    }

    private async Task<Lease> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource<Lease> waiter;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_h2 is { Usable: true } shared)
                {
                    return new Lease(null, shared, false);
                }

                if (_idle.TryPop(out var idle))
                {
                    return new Lease(idle, null, false);
                }

                if (_open < (_protocolKnown ? maxConnections : 1))
                {
                    _open++;
                    return new Lease(null, null, true);
                }

                waiter = new TaskCompletionSource<Lease>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Enqueue(waiter);
            }

            Lease lease;
            using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
            {
                lease = await waiter.Task.ConfigureAwait(false);
            }

            if (lease.H1 is not null || lease.MayOpen)
            {
                return lease;
            }

            // Woken to look again (the protocol became known): loop.
        }
    }

    /// <summary>The first TLS connection's ALPN answer is in: wake everyone waiting for it to look again.</summary>
    private void Learned(Http2Connection? h2)
    {
        List<TaskCompletionSource<Lease>> wake;
        lock (_gate)
        {
            if (h2 is not null)
            {
                _h2 = h2;
            }

            if (_protocolKnown && h2 is null)
            {
                return;
            }

            _protocolKnown = true;
            wake = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var w in wake)
        {
            w.TrySetResult(Lease.LookAgain);
        }
    }

    /// <summary>Hands the connection (or, when it cannot be reused, the right to open one) to the next waiter.</summary>
    private void Release(Http1Connection connection)
    {
        var reusable = connection.Reusable;
        if (!reusable)
        {
            connection.Dispose();
        }

        lock (_gate)
        {
            while (_waiters.TryDequeue(out var waiter))
            {
                if (waiter.TrySetResult(reusable ? new Lease(connection, null, false) : new Lease(null, null, true)))
                {
                    return;
                }
            }

            if (reusable && !_disposed)
            {
                _idle.Push(connection);
            }
            else
            {
                _open--;
                if (reusable)
                {
                    connection.Dispose();
                }
            }
        }
    }

    private void ReleaseSlot()
    {
        lock (_gate)
        {
            while (_waiters.TryDequeue(out var waiter))
            {
                if (waiter.TrySetResult(new Lease(null, null, true)))
                {
                    return;
                }
            }

            _open--;
        }
    }

    private void Drop(Http2Connection h2)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_h2, h2))
            {
                return;
            }

            _h2 = null;
        }

        h2.Dispose();
        ReleaseSlot();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            while (_idle.TryPop(out var c))
            {
                c.Dispose();
            }

            _h2?.Dispose();
            _h2 = null;
        }
    }

    /// <summary>An idle HTTP/1.1 connection, the shared HTTP/2 one, the right to open one, or none of them (look again).</summary>
    private sealed record Lease(Http1Connection? H1, Http2Connection? H2, bool MayOpen)
    {
        public static Lease LookAgain { get; } = new(null, null, false);
    }
}
