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
internal sealed class UdpDnsListener(Socket[] sockets, DnsRequestProcessor processor, ResponseRateLimiter limiter, int loops, bool batching, bool helpersOnDemand, int maxUdpPayloadBytes, ILogger logger)
{
    /// <summary>How often a batch loop blocked in recvmmsg wakes to check for cancellation.</summary>
    private static readonly TimeSpan WakeInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Full receive batches in a row that wake the next loop on the socket. One full batch is a burst the loop absorbs;
    /// bench/dns (4 dnsperf sockets, 200 queries outstanding) wakes the helper every ~400 queries with 4 and every
    /// ~250 with 2, and their ratios against gdnsd were within the noise of each other.
    /// </summary>
    private const int FullBatchesBeforeHelp = 4;

    private static readonly TimeSpan BusyLook = TimeSpan.FromMicroseconds(200);

    public Task RunAsync(CancellationToken cancellationToken)
    {
        // Loop i serves socket i % sockets. With helpers on demand, the first loop of each socket waits in the kernel and
        // each later one waits for the loop before it to see a backlog (a chain: a second helper joins only when the
        // first one finds a backlog too).
        var backlogs = new Backlog?[loops + sockets.Length];
        if (batching && helpersOnDemand)
        {
            for (int i = sockets.Length; i < loops; i++)
            {
                backlogs[i] = new Backlog(processor.Stats);
            }
        }

        var threads = new Task[loops];
        for (int i = 0; i < loops; i++)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var socket = sockets[i % sockets.Length];
            var own = backlogs[i];
            var next = backlogs[i + sockets.Length];
            var thread = new Thread(() =>
            {
                try
                {
                    if (batching)
                    {
                        BatchLoop(socket, own, next, cancellationToken);
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

    private void BatchLoop(Socket socket, Backlog? own, Backlog? next, CancellationToken cancellationToken)
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
            int fullInARow = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                if (own is null)
                {
                    // The first loop on a socket waits in the kernel for datagrams.
                    if (ReceiveAndAnswer(batch, fd, lengths, wait: true, next, ref fullInARow, cancellationToken) < 0)
                    {
                        return;
                    }

                    continue;
                }

                // A helper sleeps until the loop before it finds a backlog, then takes what is queued until the
                // queue is short again. A server that keeps up runs one loop per socket: fewer wake-ups, smaller
                // share of the processors, larger batches.
                // While the loop before is busy, the helper also looks at the queue every 200 µs: if that loop
                // is preempted in the middle of a burst (a shared machine), the queue would otherwise wait for the
                // scheduler to give it back its processor (milliseconds). A look is one non-blocking receive.
                bool busy = own.Busy;
                if (!own.Wait(busy ? BusyLook : WakeInterval) && !busy)
                {
                    continue;
                }

                int count;
                do
                {
                    count = ReceiveAndAnswer(batch, fd, lengths, wait: false, next, ref fullInARow, cancellationToken);
                }
                while (count == LinuxUdpBatch.Batch && !cancellationToken.IsCancellationRequested);

                own.Done();
                if (count < 0)
                {
                    return;
                }
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

    /// <summary>One receive and the answers to what it took: the number of queries, or -1 when the socket is closed or the server stops.</summary>
    private int ReceiveAndAnswer(LinuxUdpBatch batch, int fd, Span<int> lengths, bool wait, Backlog? next, ref int fullInARow, CancellationToken cancellationToken)
    {
        switch (batch.Receive(fd, out int count, out int error, wait))
        {
            case LinuxUdpBatch.ReceiveStatus.TimedOut:
                return 0;
            case LinuxUdpBatch.ReceiveStatus.Closed:
                return -1;
            case LinuxUdpBatch.ReceiveStatus.Failed:
                Log.UdpReceiveFailed(logger, "errno " + error);
                Thread.Sleep(10);
                return 0;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            // Stopping: disposing the socket shuts it down, which hands a blocked receive an empty datagram.
            return -1;
        }

        if (next is not null && count > 0)
        {
            next.MarkActive();
        }

        if (count == LinuxUdpBatch.Batch)
        {
            // Full batches in a row mean a backlog that this loop alone does not drain: let the next loop on this
            // socket help while we answer these. One full batch is only a burst that this loop absorbs.
            if (next is not null && ++fullInARow >= FullBatchesBeforeHelp)
            {
                fullInARow = 0;
                next.Wake();
            }
        }
        else
        {
            fullInARow = 0;
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
        return count;
    }

    /// <summary>
    /// The signal that wakes a helper loop: set by the loop before it on the same socket when a receive comes back
    /// full, cleared by the helper when it has drained the queue.
    /// </summary>
    internal sealed class Backlog
    {
        private readonly object _gate = new();
        private readonly DnsServerStats _stats;
        private int _busy;
        private bool _signalled;
        private volatile bool _active;

        public Backlog(DnsServerStats stats) => _stats = stats;

        public void Wake()
        {
            if (Volatile.Read(ref _busy) != 0 || Interlocked.Exchange(ref _busy, 1) != 0)
            {
                return;
            }

            lock (_gate)
            {
                _signalled = true;
                _stats.CountHelperWake();
                Monitor.Pulse(_gate);
            }
        }

        public bool Wait(TimeSpan timeout)
        {
            lock (_gate)
            {
                if (!_signalled && !Monitor.Wait(_gate, timeout))
                {
                    return false;
                }

                _signalled = false;
                return true;
            }
        }

        public void Done() => Volatile.Write(ref _busy, 0);

        /// <summary>The loop before this helper received something (a plain store; the helper reads it every 200 µs or so).</summary>
        public void MarkActive()
        {
            if (!_active)
            {
                _active = true;
            }
        }

        /// <summary>Whether the loop before received anything since the helper last asked (which clears it).</summary>
        public bool Busy
        {
            get
            {
                bool active = _active;
                _active = false;
                return active;
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
            int length = 0;
            if (verdict != RateLimitVerdict.Send)
            {
                // RFC 7873 §5.3.2: a client that returned a valid server cookie is not spoofed; rate limits do not apply.
                length = processor.Process(request, response, client, tcp: false, out var limited);
                if (limited.ValidServerCookie)
                {
                    return length;
                }
            }

            if (verdict == RateLimitVerdict.Drop)
            {
                processor.Stats.CountRateLimited();
                return 0;
            }

            if (verdict == RateLimitVerdict.Send)
            {
                length = processor.Process(request, response, client, tcp: false, out _);
            }

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
