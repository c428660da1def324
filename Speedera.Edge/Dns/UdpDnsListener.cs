using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;

namespace Speedera.Edge.Dns;

/// <summary>Receives UDP queries on several loops, each with its own buffers, and sends the responses.</summary>
internal sealed class UdpDnsListener(Socket socket, DnsRequestProcessor processor, ResponseRateLimiter limiter, int loops, ILogger logger)
{
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, loops).Select(_ => Task.Run(() => ReceiveLoopAsync(cancellationToken), CancellationToken.None)));

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var request = new byte[DnsLimits.MaxTcpMessage];
        var response = new byte[DnsLimits.MaxTcpMessage];
        var remote = new SocketAddress(socket.AddressFamily);
        while (!cancellationToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveFromAsync(request, SocketFlags.None, remote, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                Log.UdpReceiveFailed(logger, ex.SocketErrorCode.ToString());
                continue;
            }

            int length = Handle(request.AsSpan(0, received), response, remote);
            if (length > 0)
            {
                try
                {
                    await socket.SendToAsync(response.AsMemory(0, length), SocketFlags.None, remote, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    // The client went away (ICMP unreachable); nothing to do for UDP.
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
