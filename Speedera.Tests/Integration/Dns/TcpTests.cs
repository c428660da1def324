using System.Buffers.Binary;
using System.Net.Sockets;
using Speedera.Core.Dns;
using Speedera.Tests.Unit.Dns;

namespace Speedera.Tests.Integration.Dns;

public class TcpTests(LoopbackDnsServer server) : IClassFixture<LoopbackDnsServer>
{
    [Fact]
    public async Task Pipelined_queries_on_one_connection_are_all_answered_in_order()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint);
        var stream = client.GetStream();
        var batch = new List<byte>();
        string[] names = ["weighted.example.test", "static.example.test", "missing.example.test"];
        for (int i = 0; i < names.Length; i++)
        {
            var query = DnsTestMessages.Query(names[i], DnsRecordType.A, id: (ushort)(100 + i));
            batch.AddRange([(byte)(query.Length >> 8), (byte)query.Length]);
            batch.AddRange(query);
        }

        await stream.WriteAsync(batch.ToArray());
        for (int i = 0; i < names.Length; i++)
        {
            var response = DnsTestMessages.Read(await ReadMessageAsync(stream));
            Assert.Equal(100 + i, response.Id);
            Assert.Equal(i == 2 ? (int)DnsResponseCode.NXDomain : 0, response.RCode);
        }
    }

    [Fact]
    public async Task Idle_tcp_connection_is_closed_by_the_server()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint);
        var stream = client.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var started = DateTime.UtcNow;
        int read = await stream.ReadAsync(new byte[16], timeout.Token);
        Assert.Equal(0, read);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Malformed_message_over_tcp_gets_formerr_and_the_connection_stays_usable()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint);
        var stream = client.GetStream();
        byte[] garbage = [0, 14, 0xAB, 0xCD, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12];
        await stream.WriteAsync(garbage);
        var formErr = DnsTestMessages.Read(await ReadMessageAsync(stream));
        Assert.Equal(0xABCD, formErr.Id);
        Assert.Equal((int)DnsResponseCode.FormErr, formErr.RCode);

        var query = DnsTestMessages.Query("static.example.test", DnsRecordType.A, id: 9);
        await stream.WriteAsync((byte[])[(byte)(query.Length >> 8), (byte)query.Length, .. query]);
        Assert.Equal("192.0.2.10", Assert.Single(DnsTestMessages.Read(await ReadMessageAsync(stream)).Answers).Text);
    }

    private static async Task<byte[]> ReadMessageAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var prefix = new byte[2];
        await stream.ReadExactlyAsync(prefix, timeout.Token);
        var message = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(message, timeout.Token);
        return message;
    }
}
