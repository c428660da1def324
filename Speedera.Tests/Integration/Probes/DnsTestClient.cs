using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Speedera.Edge.Probe;

namespace Speedera.Tests.Integration.Probes;

/// <summary>Sends A queries over UDP from a chosen address (and namespace) and reads the A answers.</summary>
internal sealed class DnsTestClient(SocketFactory sockets, IPAddress source, IPEndPoint server)
{
    private ushort _id = (ushort)Random.Shared.Next(ushort.MaxValue);

    /// <summary>The A addresses answered, or null when no answer came (timeout, error rcode).</summary>
    public async Task<IReadOnlyList<IPAddress>?> QueryAsync(string name, TimeSpan timeout)
    {
        using var socket = sockets(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(source, 0));
        var id = ++_id;
        var query = new List<byte>();
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), 1);
        query.AddRange(header);
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(Encoding.ASCII.GetBytes(label));
        }

        query.AddRange(new byte[] { 0, 0, 1, 0, 1 });
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.SendToAsync(query.ToArray(), SocketFlags.None, server, cts.Token);
            var buffer = new byte[1500];
            while (true)
            {
                var r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cts.Token);
                var answers = Parse(buffer.AsSpan(0, r.ReceivedBytes), id);
                if (answers is not null)
                {
                    return answers;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static List<IPAddress>? Parse(ReadOnlySpan<byte> m, ushort id)
    {
        if (m.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(m) != id || (m[2] & 0x80) == 0 || (m[3] & 0x0F) != 0)
        {
            return null;
        }

        var qd = BinaryPrimitives.ReadUInt16BigEndian(m[4..]);
        var an = BinaryPrimitives.ReadUInt16BigEndian(m[6..]);
        var pos = 12;
        for (var i = 0; i < qd; i++)
        {
            pos = SkipName(m, pos) + 4;
        }

        var result = new List<IPAddress>();
        for (var i = 0; i < an; i++)
        {
            pos = SkipName(m, pos);
            var type = BinaryPrimitives.ReadUInt16BigEndian(m[pos..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(m[(pos + 8)..]);
            pos += 10;
            if (type == 1 && length == 4)
            {
                result.Add(new IPAddress(m.Slice(pos, 4)));
            }

            pos += length;
        }

        return result;
    }

    private static int SkipName(ReadOnlySpan<byte> m, int pos)
    {
        while (true)
        {
            var len = m[pos];
            if (len == 0)
            {
                return pos + 1;
            }

            if ((len & 0xC0) == 0xC0)
            {
                return pos + 2;
            }

            pos += 1 + len;
        }
    }
}
