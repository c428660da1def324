using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;

namespace Speedera.Edge.Dns;

/// <summary>
/// Receives UDP queries on dedicated threads with blocking calls (no per-packet async state machine),
/// each thread with its own buffers, and sends the responses. Disposing the socket ends the threads.
/// </summary>
internal sealed class UdpDnsListener(Socket[] sockets, DnsRequestProcessor processor, ResponseRateLimiter limiter, int loops, ILogger logger)
{
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var threads = new Task[loops];
        for (int i = 0; i < loops; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var socket = sockets[i % sockets.Length];
            var thread = new Thread(() =>
            {
                try
                {
                    ReceiveLoop(socket, cancellationToken);
                }
                finally
                {
                    done.TrySetResult();
                }
            })
            {
                IsBackground = true,
                Name = $"dns-udp-{i}",
            };
            thread.Start();
            threads[i] = done.Task;
        }

        return Task.WhenAll(threads);
    }

    private void ReceiveLoop(Socket socket, CancellationToken cancellationToken)
    {
        var request = new byte[DnsLimits.MaxTcpMessage];
        var response = new byte[DnsLimits.MaxTcpMessage];
        var remote = new SocketAddress(socket.AddressFamily);
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = socket.ReceiveFrom(request, SocketFlags.None, remote);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                Log.UdpReceiveFailed(logger, ex.SocketErrorCode.ToString());
                continue;
            }

            int length = Handle(request.AsSpan(0, received), response, remote);
            if (length > 0)
            {
                try
                {
                    socket.SendTo(response.AsSpan(0, length), SocketFlags.None, remote);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    // The client went away or the send buffer is full; nothing to do for UDP.
                }
            }
        }
    }

    private int Handle(ReadOnlySpan<byte> request, Span<byte> response, SocketAddress remote)
    {
        var client = ToClientAddress(remote);
        try
        {
            var verdict = limiter.Check(client);
            if (verdict == RateLimitVerdict.Drop)
            {
                processor.Stats.CountRateLimited();
                return 0;
            }

            int length = processor.Process(request, response, client, tcp: false, out _);
            if (verdict == RateLimitVerdict.Slip && length > 0)
            {
                processor.Stats.CountRateLimited();
                return Slip(response[..length]);
            }

            return length;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.RequestFailed(logger, client.ToString(), ex);
            return 0;
        }
    }

    /// <summary>Keeps header and question, sets TC and empties the other sections.</summary>
    private static int Slip(Span<byte> response)
    {
        int end = DnsLimits.HeaderSize;
        if (BinaryPrimitives.ReadUInt16BigEndian(response[4..]) == 1)
        {
            if (!DnsName.TrySkip(response, end, out end) || end + 4 > response.Length)
            {
                return 0;
            }

            end += 4;
        }

        response[2] |= (byte)(DnsFlags.TC >> 8);
        response.Slice(6, 6).Clear();
        return end;
    }

    internal static ClientAddress ToClientAddress(SocketAddress address)
    {
        var bytes = address.Buffer.Span;
        return address.Family switch
        {
            AddressFamily.InterNetwork => ClientAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes[4..])),
            AddressFamily.InterNetworkV6 => ToV6(BinaryPrimitives.ReadUInt128BigEndian(bytes[8..])),
            _ => default,
        };
    }

    /// <summary>IPv4-mapped IPv6 (::ffff:a.b.c.d) on a dual-stack socket is the IPv4 client.</summary>
    private static ClientAddress ToV6(UInt128 bits) =>
        (bits >> 32) == 0xFFFF ? ClientAddress.FromIPv4((uint)bits) : new ClientAddress(true, bits);

    internal static ClientAddress ToClientAddress(EndPoint? endPoint) =>
        endPoint is IPEndPoint ip ? ClientAddress.FromIPAddress(ip.Address) : default;
}
