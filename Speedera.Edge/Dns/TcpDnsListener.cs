using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Speedera.Core.Dns;

namespace Speedera.Edge.Dns;

/// <summary>
/// DNS over TCP (RFC 7766): two-octet length prefix, several queries per connection answered in order
/// (pipelining), idle connections closed after a timeout, a bound on concurrent connections.
/// </summary>
internal sealed class TcpDnsListener(Socket listener, DnsRequestProcessor processor, TimeSpan idleTimeout, int maxConnections, ILogger logger)
{
    private int _connections;

    public int OpenConnections => Volatile.Read(ref _connections);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                continue;
            }

            if (Interlocked.Increment(ref _connections) > maxConnections)
            {
                Interlocked.Decrement(ref _connections);
                Log.TcpLimitReached(logger, maxConnections);
                client.Dispose();
                continue;
            }

            connections.RemoveAll(t => t.IsCompleted);
            connections.Add(Task.Run(() => ServeAsync(client, cancellationToken), CancellationToken.None));
        }

        await Task.WhenAll(connections).ConfigureAwait(false);
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        var remote = UdpDnsListener.ToClientAddress(socket.RemoteEndPoint);
        // Pooled: up to MaxTcpConnections connections each need room for the largest message both ways.
        var request = ArrayPool<byte>.Shared.Rent(DnsLimits.MaxTcpMessage);
        var response = ArrayPool<byte>.Shared.Rent(2 + DnsLimits.MaxTcpMessage);
        var lengthBuffer = new byte[2];
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string reason = "closed by client";
        try
        {
            socket.NoDelay = true;
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            while (true)
            {
                idle.CancelAfter(idleTimeout);
                if (!await ReadExactlyOrEndAsync(stream, lengthBuffer, idle.Token).ConfigureAwait(false))
                {
                    break;
                }

                int length = BinaryPrimitives.ReadUInt16BigEndian(lengthBuffer);
                if (length > 0 && !await ReadExactlyOrEndAsync(stream, request.AsMemory(0, length), idle.Token).ConfigureAwait(false))
                {
                    reason = "truncated message";
                    break;
                }

                int written = Handle(request.AsSpan(0, length), response.AsSpan(2, DnsLimits.MaxTcpMessage), remote);
                if (written > 0)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)written);
                    await stream.WriteAsync(response.AsMemory(0, 2 + written), idle.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            reason = cancellationToken.IsCancellationRequested ? "server stopping" : "idle timeout";
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = ex.Message;
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
            socket.Dispose();
            ArrayPool<byte>.Shared.Return(request);
            ArrayPool<byte>.Shared.Return(response);
            Log.TcpConnectionEnded(logger, remote, reason);
        }
    }

    private int Handle(ReadOnlySpan<byte> request, Span<byte> response, Speedera.Core.Gtm.ClientAddress remote)
    {
        try
        {
            return processor.Process(request, response, remote, tcp: true, out _);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.RequestFailed(logger, remote.ToString(), ex);
            return 0;
        }
    }

    private static async ValueTask<bool> ReadExactlyOrEndAsync(NetworkStream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer[read..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
