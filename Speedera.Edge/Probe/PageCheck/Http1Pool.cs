using System.Net.Security;
using System.Security.Authentication;
using Speedera.Core.PageCheck;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// The connections of one view to one origin, as a browser keeps them: at most <c>maxConnections</c> open
/// (browsers use 6 per host for HTTP/1.1), idle ones reused, requests beyond that queued (HAR "blocked").
/// </summary>
internal sealed class Http1Pool(ConnectTarget target, int maxConnections, PageTargetConnector connector, Func<int> nextConnectionId, PageCheckAgentOptions options) : IDisposable
{
    private readonly Stack<Http1Connection> _idle = new();
    private readonly Queue<TaskCompletionSource<Http1Connection?>> _waiters = new();
    private readonly Lock _gate = new();
    private int _open;
    private bool _disposed;

    public async Task<FetchResult> FetchAsync(FetchRequest request, ResolverCache resolver, CancellationToken cancellationToken)
    {
        var time = connector.Time;
        var queued = time.GetTimestamp();
        var connection = await AcquireAsync(cancellationToken).ConfigureAwait(false);
        var acquired = time.GetTimestamp();
        long? dnsStart = null, dnsEnd = null, connectEnd = null, tlsStart = null, tlsEnd = null;
        var isNew = connection is null;
        try
        {
            if (connection is null)
            {
                var opened = await connector.OpenAsync(target, resolver, cancellationToken).ConfigureAwait(false);
                (dnsStart, dnsEnd, connectEnd) = (opened.DnsStart, opened.DnsEnd, opened.ConnectEnd);
                Stream stream = new System.Net.Sockets.NetworkStream(opened.Socket, ownsSocket: false);
                if (target.Scheme == "https")
                {
                    tlsStart = time.GetTimestamp();
                    var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                    try
                    {
                        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                        {
                            TargetHost = target.HostHeader.Split(':')[0],
                            ApplicationProtocols = [SslApplicationProtocol.Http11],
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
                }

                connection = new Http1Connection(opened.Socket, stream, opened.Remote, nextConnectionId(), time);
                if (opened.DnsStart is null)
                {
                    // No name to resolve (an address or our own cache): the connection starts when the dial does.
                    acquired = opened.ConnectStart;
                }
                else
                {
                    acquired = opened.DnsStart.Value;
                }
            }

            var r = await connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
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
                Remote = connection.Remote,
                ConnectionId = connection.Id,
                NewConnection = isNew,
            };
        }
        finally
        {
            Release(connection);
        }
    }

    private Task<Http1Connection?> AcquireAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_idle.TryPop(out var idle))
            {
                return Task.FromResult<Http1Connection?>(idle);
            }

            if (_open < maxConnections)
            {
                _open++;
                return Task.FromResult<Http1Connection?>(null);
            }

            var waiter = new TaskCompletionSource<Http1Connection?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(waiter);
            cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
            return waiter.Task;
        }
    }

    /// <summary>Hands the connection (or, when it cannot be reused, the right to open one) to the next waiter.</summary>
    private void Release(Http1Connection? connection)
    {
        var reusable = connection is { Reusable: true };
        if (!reusable)
        {
            connection?.Dispose();
        }

        lock (_gate)
        {
            while (_waiters.TryDequeue(out var waiter))
            {
                if (waiter.TrySetResult(reusable ? connection : null))
                {
                    return;
                }
            }

            if (reusable && !_disposed)
            {
                _idle.Push(connection!);
            }
            else
            {
                _open--;
                if (reusable)
                {
                    connection!.Dispose();
                }
            }
        }
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
        }
    }
}
