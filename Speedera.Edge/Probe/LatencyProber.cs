using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;

namespace Speedera.Edge.Probe;

/// <summary>Measures the round trip to one client address with a list of methods.</summary>
public interface ILatencyProber
{
    Task<LatencyProbeResult?> ProbeAsync(IPAddress target, IReadOnlyList<LatencyMethod> methods, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>
/// The latency methods of the patent, tried in the configured order (cheapest first) until one
/// answers: ICMP echo (raw socket, needs root or CAP_NET_RAW), TCP connect to port 53 (a SYN-ACK
/// or a RST both come from the host), a reverse PTR query to the client's port 53, and UDP to
/// port 33434 expecting ICMP port-unreachable with TTL stepping on silence (IPv4 only).
/// </summary>
public sealed class LatencyProber(SocketFactory? socketFactory = null) : ILatencyProber
{
    public const int HighPort = 33434;

    private readonly SocketFactory _sockets = socketFactory ?? SocketFactories.Default;

    public async Task<LatencyProbeResult?> ProbeAsync(IPAddress target, IReadOnlyList<LatencyMethod> methods, TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var method in methods)
        {
            cancellationToken.ThrowIfCancellationRequested();
            LatencyProbeResult? result;
            try
            {
                result = method switch
                {
                    LatencyMethod.Icmp => await IcmpEchoAsync(target, timeout, cancellationToken, _sockets).ConfigureAwait(false),
                    LatencyMethod.TcpDns => await TcpConnectAsync(target, 53, timeout, cancellationToken, _sockets).ConfigureAwait(false),
                    LatencyMethod.DnsPtr => await DnsPtrAsync(target, timeout, cancellationToken, _sockets).ConfigureAwait(false),
                    LatencyMethod.UdpHighPort when target.AddressFamily == AddressFamily.InterNetwork =>
                        await TtlStepping.RunAsync((ttl, ct) => UdpWithTtlAsync(target, ttl, timeout, ct, _sockets), cancellationToken).ConfigureAwait(false),
                    _ => null,
                };
            }
            catch (SocketException)
            {
                // E.g. no raw-socket permission or no route: this method cannot answer, try the next.
                result = null;
            }

            if (result is not null)
            {
                return result;
            }
        }

        return null;
    }

    /// <summary>Echo requests sent per ICMP measurement; the smallest round trip is kept.</summary>
    public const int IcmpSamples = 3;

    /// <summary>
    /// ICMP echo over a raw socket (RFC 792 for IPv4, RFC 4443 §4.1 for IPv6). Up to
    /// <see cref="IcmpSamples"/> echoes within the timeout, keeping the smallest round trip:
    /// a busy probe host can only add delay (scheduling, JIT), never remove it.
    /// </summary>
    public static async Task<LatencyProbeResult?> IcmpEchoAsync(IPAddress target, TimeSpan timeout, CancellationToken cancellationToken, SocketFactory? sockets = null)
    {
        var v6 = target.AddressFamily == AddressFamily.InterNetworkV6;
        sockets ??= SocketFactories.Default;
        using var socket = v6
            ? sockets(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6)
            : sockets(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
        var id = (ushort)Random.Shared.Next(1, ushort.MaxValue);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        TimeSpan? best = null;
        var buffer = new byte[1500];
        try
        {
            for (var sample = 0; sample < IcmpSamples; sample++)
            {
                var seq = (ushort)Random.Shared.Next(1, ushort.MaxValue);
                var packet = new byte[40];
                packet[0] = v6 ? (byte)128 : (byte)8;
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
                BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), seq);
                Random.Shared.NextBytes(packet.AsSpan(8));
                if (!v6)
                {
                    // The kernel fills in the ICMPv6 checksum (it covers a pseudo-header); ICMPv4 is ours.
                    BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), Checksum(packet));
                }

                var stopwatch = Stopwatch.StartNew();
                await socket.SendToAsync(packet, SocketFlags.None, new IPEndPoint(target, 0), cts.Token).ConfigureAwait(false);
                while (true)
                {
                    var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 0), cts.Token).ConfigureAwait(false);
                    var elapsed = stopwatch.Elapsed;
                    var from = ((IPEndPoint)r.RemoteEndPoint).Address;
                    if (IsEchoReply(buffer.AsSpan(0, r.ReceivedBytes), v6, id, seq) && from.Equals(target))
                    {
                        best = best is { } b && b < elapsed ? b : elapsed;
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Out of time: keep what the samples so far gave.
        }

        return best is { } rtt ? new LatencyProbeResult(rtt, LatencyQuality.Full, target.ToString(), LatencyMethodUsed.Icmp) : null;
    }

    private static bool IsEchoReply(Span<byte> packet, bool v6, ushort id, ushort seq)
    {
        var icmp = v6 ? packet : SkipIPv4Header(packet);
        return icmp.Length >= 8 && icmp[0] == (v6 ? 129 : 0)
            && BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]) == id
            && BinaryPrimitives.ReadUInt16BigEndian(icmp[6..]) == seq;
    }

    /// <summary>A completed handshake or a RST both measure a round trip to the host itself.</summary>
    public static async Task<LatencyProbeResult?> TcpConnectAsync(IPAddress target, int port, TimeSpan timeout, CancellationToken cancellationToken, SocketFactory? sockets = null)
    {
        using var socket = (sockets ?? SocketFactories.Default)(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await socket.ConnectAsync(new IPEndPoint(target, port), cts.Token).ConfigureAwait(false);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        return new LatencyProbeResult(stopwatch.Elapsed, LatencyQuality.Full, target.ToString(), LatencyMethodUsed.TcpDns);
    }

    /// <summary>
    /// Reverse lookup sent to the client itself (RFC 1035 §4.1; PTR names per RFC 1035 §3.5 and
    /// RFC 3596 §2.5). Any DNS reply, whatever its rcode, and an ICMP port-unreachable (reported
    /// on a connected UDP socket as "connection refused") both come from the client host.
    /// </summary>
    public static async Task<LatencyProbeResult?> DnsPtrAsync(IPAddress target, TimeSpan timeout, CancellationToken cancellationToken, SocketFactory? sockets = null)
    {
        using var socket = (sockets ?? SocketFactories.Default)(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(new IPEndPoint(target, 53), cancellationToken).ConfigureAwait(false);
        var id = (ushort)Random.Shared.Next(0, ushort.MaxValue + 1);
        var query = BuildPtrQuery(target, id);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var stopwatch = Stopwatch.StartNew();
        var buffer = new byte[1500];
        try
        {
            await socket.SendAsync(query, SocketFlags.None, cts.Token).ConfigureAwait(false);
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (n >= 12 && BinaryPrimitives.ReadUInt16BigEndian(buffer) == id && (buffer[2] & 0x80) != 0)
                {
                    return new LatencyProbeResult(stopwatch.Elapsed, LatencyQuality.Full, target.ToString(), LatencyMethodUsed.DnsPtr);
                }
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return new LatencyProbeResult(stopwatch.Elapsed, LatencyQuality.Full, target.ToString(), LatencyMethodUsed.DnsPtr);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// One UDP datagram to port 33434 with the given TTL, then waits on a raw ICMP socket for
    /// port-unreachable from the target (reached) or time-exceeded from a router, matched on the
    /// quoted original datagram (RFC 792: IP header + first 8 bytes of the UDP datagram).
    /// </summary>
    public static async Task<TtlReply?> UdpWithTtlAsync(IPAddress target, int ttl, TimeSpan timeout, CancellationToken cancellationToken, SocketFactory? sockets = null)
    {
        sockets ??= SocketFactories.Default;
        using var icmp = sockets(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
        icmp.Bind(new IPEndPoint(IPAddress.Any, 0));
        using var udp = sockets(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Ttl = (short)ttl;
        udp.Bind(new IPEndPoint(IPAddress.Any, 0));
        var localPort = ((IPEndPoint)udp.LocalEndPoint!).Port;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var stopwatch = Stopwatch.StartNew();
        var buffer = new byte[1500];
        try
        {
            await udp.SendToAsync(new byte[32], SocketFlags.None, new IPEndPoint(target, HighPort), cts.Token).ConfigureAwait(false);
            while (true)
            {
                var r = await icmp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token).ConfigureAwait(false);
                var elapsed = stopwatch.Elapsed;
                var from = ((IPEndPoint)r.RemoteEndPoint).Address;
                var message = SkipIPv4Header(buffer.AsSpan(0, r.ReceivedBytes));
                if (message.Length < 8 + 20 + 8)
                {
                    continue;
                }

                var type = message[0];
                var code = message[1];
                var quoted = message[8..];
                var quotedHeader = (quoted[0] & 0x0F) * 4;
                if (quoted.Length < quotedHeader + 8 || quoted[9] != (byte)ProtocolType.Udp
                    || !new IPAddress(quoted.Slice(16, 4)).Equals(target)
                    || BinaryPrimitives.ReadUInt16BigEndian(quoted[quotedHeader..]) != localPort
                    || BinaryPrimitives.ReadUInt16BigEndian(quoted[(quotedHeader + 2)..]) != HighPort)
                {
                    continue;
                }

                if (type == 3 && code == 3)
                {
                    return new TtlReply(from.ToString(), elapsed, ReachedTarget: from.Equals(target));
                }

                if (type == 11 && code == 0)
                {
                    return new TtlReply(from.ToString(), elapsed, ReachedTarget: false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    internal static byte[] BuildPtrQuery(IPAddress address, ushort id)
    {
        var bytes = address.GetAddressBytes();
        var labels = address.AddressFamily == AddressFamily.InterNetwork
            ? bytes.Reverse().Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture)).Concat(["in-addr", "arpa"])
            : bytes.Reverse().SelectMany(b => new[] { (b & 0xF).ToString("x", System.Globalization.CultureInfo.InvariantCulture), (b >> 4).ToString("x", System.Globalization.CultureInfo.InvariantCulture) }).Concat(["ip6", "arpa"]);
        var message = new List<byte>(64);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        header[2] = 0x01; // RD: the client is usually a recursive resolver
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 1);
        message.AddRange(header.ToArray());
        foreach (var label in labels)
        {
            message.Add((byte)label.Length);
            message.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }

        message.Add(0);
        message.AddRange(new byte[] { 0, 12, 0, 1 }); // QTYPE PTR, QCLASS IN
        return [.. message];
    }

    internal static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if ((data.Length & 1) != 0)
        {
            sum += (uint)(data[^1] << 8);
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static Span<byte> SkipIPv4Header(Span<byte> packet)
    {
        if (packet.Length < 20)
        {
            return [];
        }

        var headerLength = (packet[0] & 0x0F) * 4;
        return headerLength < 20 || headerLength > packet.Length ? [] : packet[headerLength..];
    }
}
