using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;

namespace Speedera.Edge.Dns;

/// <summary>
/// Receives UDP queries on dedicated threads with blocking calls (no per-packet async state machine),
/// each thread with its own buffers, and sends the responses. On Linux each thread takes and answers
/// queries in batches (<see cref="LinuxUdpBatch"/>); elsewhere one at a time. Cancelling and disposing
/// the sockets ends the threads.
/// </summary>
internal sealed class UdpDnsListener(Socket[] sockets, DnsRequestProcessor processor, ResponseRateLimiter limiter, int loops, bool batching, int maxUdpPayloadBytes, ILogger logger)
{
    /// <summary>How often a batch loop blocked in recvmmsg wakes to check for cancellation.</summary>
    private static readonly TimeSpan WakeInterval = TimeSpan.FromMilliseconds(200);

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
                    if (batching)
                    {
                        BatchLoop(socket, cancellationToken);
                    }
                    else
                    {
                        ReceiveLoop(socket, cancellationToken);
                    }
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

    private void BatchLoop(Socket socket, CancellationToken cancellationToken)
    {
        // The descriptor stays open while this loop uses it (a reference on the handle), so disposing the socket
        // cannot hand its number to another file under a receive in progress; the receive timeout ends the wait.
        var handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            LinuxUdpBatch.PrepareSocket(socket, WakeInterval);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            int fd = (int)handle.DangerousGetHandle();
            using var batch = new LinuxUdpBatch(Math.Max(DnsLimits.ClassicUdpPayload, maxUdpPayloadBytes));
            Span<int> lengths = stackalloc int[LinuxUdpBatch.Batch];
            while (!cancellationToken.IsCancellationRequested)
            {
                switch (batch.Receive(fd, out int count, out int error))
                {
                    case LinuxUdpBatch.ReceiveStatus.TimedOut:
                        continue;
                    case LinuxUdpBatch.ReceiveStatus.Closed:
                        return;
                    case LinuxUdpBatch.ReceiveStatus.Failed:
                        Log.UdpReceiveFailed(logger, "errno " + error);
                        Thread.Sleep(10);
                        continue;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    // Stopping: disposing the socket shuts it down, which hands a blocked receive an empty datagram.
                    return;
                }

                for (int i = 0; i < count; i++)
                {
                    var request = batch.Request(i);
                    if (request.IsEmpty)
                    {
                        // Longer than any real query (or empty): counted and dropped.
                        processor.Stats.CountQuery();
                        processor.Stats.CountDropped();
                        lengths[i] = 0;
                        continue;
                    }

                    lengths[i] = Handle(request, batch.Response(i), ToClientAddress(batch.Address(i)));
                }

                batch.Send(fd, lengths[..count]);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private int Handle(ReadOnlySpan<byte> request, Span<byte> response, SocketAddress remote) =>
        Handle(request, response, ToClientAddress(remote));

    private int Handle(ReadOnlySpan<byte> request, Span<byte> response, ClientAddress client)
    {
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

    /// <summary>A Linux sockaddr_in / sockaddr_in6 as the kernel wrote it (family in host order).</summary>
    internal static ClientAddress ToClientAddress(ReadOnlySpan<byte> sockaddr)
    {
        const ushort AfInet = 2, AfInet6 = 10;
        if (sockaddr.Length < 8)
        {
            return default;
        }

        return MemoryMarshal.Read<ushort>(sockaddr) switch
        {
            AfInet => ClientAddress.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(sockaddr[4..])),
            AfInet6 when sockaddr.Length >= 24 => ToV6(BinaryPrimitives.ReadUInt128BigEndian(sockaddr[8..])),
            _ => default,
        };
    }

    /// <summary>IPv4-mapped IPv6 (::ffff:a.b.c.d) on a dual-stack socket is the IPv4 client.</summary>
    private static ClientAddress ToV6(UInt128 bits) =>
        (bits >> 32) == 0xFFFF ? ClientAddress.FromIPv4((uint)bits) : new ClientAddress(true, bits);

    internal static ClientAddress ToClientAddress(EndPoint? endPoint) =>
        endPoint is IPEndPoint ip ? ClientAddress.FromIPAddress(ip.Address) : default;
}
