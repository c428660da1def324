using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Speedera.Core.Dns;
using Speedera.Core.Gtm;
using Speedera.Tests.Unit.Dns;

namespace Speedera.Tests.Integration.Dns;

/// <summary>
/// Random and mutated packets: the bulk in process against the parse → respond path, a share over
/// real UDP. Every answer must be a well-formed response to the same id; nothing may throw or hang.
/// </summary>
public class FuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly byte[][] Seeds =
    [
        DnsTestMessages.Query("weighted.example.test", DnsRecordType.A),
        DnsTestMessages.Query("GtM.example.test", DnsRecordType.A, edns: true, ecs: "198.51.100.0/24"),
        DnsTestMessages.Query("www.example.test", DnsRecordType.AAAA, edns: true),
        DnsTestMessages.Query("txt.example.test", DnsRecordType.TXT, edns: true, payload: 512),
        DnsTestMessages.Query("example.test", DnsRecordType.NS),
        DnsTestMessages.Query("host.deleg.example.test", DnsRecordType.ANY),
        DnsTestMessages.Query("missing.example.test", DnsRecordType.SOA, edns: true, ecs: "2001:db8::/56"),
    ];

    [Fact]
    public void A_million_random_and_mutated_packets_in_process_never_throw_and_get_wellformed_answers_or_none()
    {
        var (processor, _) = DnsResponderTests.CreateProcessor();
        var random = new Random(20261122);
        var response = new byte[65535];
        var client = ClientAddress.FromIPAddress(IPAddress.Parse("198.51.100.7"));
        int answered = 0, formErr = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            var packet = Mutate(random, i);
            bool tcp = (i & 7) == 0;
            int length = processor.Process(packet, response, client, tcp, out var outcome);
            if (length == 0)
            {
                continue;
            }

            answered++;
            formErr += outcome.RCode == DnsResponseCode.FormErr ? 1 : 0;
            try
            {
                CheckResponse(packet, response.AsSpan(0, length), tcp);
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                throw new InvalidDataException($"request {Convert.ToHexString(packet)} response {Convert.ToHexString(response.AsSpan(0, length))}", ex);
            }
        }

        output.WriteLine($"fuzz in process: 1,000,000 packets, {answered} answered ({formErr} FORMERR, {answered - formErr} other rcodes), {1_000_000 - answered} dropped, 0 exceptions");
        Assert.True(answered > 500_000, $"{answered} answered");
        Assert.True(formErr > 100_000, $"{formErr} FORMERR");
    }

    [Fact]
    public async Task Twenty_thousand_fuzzed_udp_packets_leave_the_server_answering()
    {
        await using var server = new LoopbackDnsServer();
        await server.InitializeAsync();
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Client.ReceiveBufferSize = 4 << 20;
        udp.Connect(server.EndPoint);
        var random = new Random(7);
        var sent = new Dictionary<ushort, byte[]>();
        int received = 0;
        var receiver = Task.Run(async () =>
        {
            while (true)
            {
                using var idle = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try
                {
                    var datagram = (await udp.ReceiveAsync(idle.Token)).Buffer;
                    Assert.True(datagram.Length >= 12);
                    Assert.True((datagram[2] & 0x80) != 0, "QR must be set");
                    DnsTestMessages.Read(datagram);
                    received++;
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        const int Packets = 20_000;
        for (int i = 0; i < Packets; i++)
        {
            await udp.SendAsync(Mutate(random, i));
            if (i % 100 == 99)
            {
                // Pace the burst so the loopback socket buffers do not overflow on a busy machine.
                await WaitForAsync(() => server.Host.Stats.Queries >= i + 1 - 20);
            }
        }

        await WaitForAsync(() => server.Host.Stats.Queries >= Packets);

        await receiver;
        var stats = server.Host.Stats;
        output.WriteLine($"fuzz over UDP: {Packets} packets, {received} responses, {stats.Dropped} dropped, {stats.Responses(DnsResponseCode.FormErr)} FORMERR; the server still answers");
        Assert.Equal(Packets, stats.Queries);
        Assert.True(received > Packets / 2, $"{received} responses");
        var check = await server.AskUdpAsync(DnsTestMessages.Query("static.example.test", DnsRecordType.A));
        Assert.NotNull(check);
        Assert.Equal("192.0.2.10", Assert.Single(DnsTestMessages.Read(check).Answers).Text);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the server stopped taking packets");
            await Task.Delay(1);
        }
    }

    private static void CheckResponse(byte[] request, ReadOnlySpan<byte> response, bool tcp)
    {
        Assert.True(response.Length >= 12);
        Assert.True(tcp || response.Length <= 1232, "UDP response over the advertised size");
        Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(request), BinaryPrimitives.ReadUInt16BigEndian(response));
        Assert.True((response[2] & 0x80) != 0, "QR must be set");
        Assert.True((response[3] & 0x80) == 0, "RA must be clear");
        DnsTestMessages.Read(response);
    }

    private static byte[] Mutate(Random random, int i)
    {
        var seed = Seeds[random.Next(Seeds.Length)];
        switch (i % 8)
        {
            case 0:
            {
                var junk = new byte[random.Next(0, 600)];
                random.NextBytes(junk);
                if (junk.Length > 2)
                {
                    junk[2] &= 0x7F;
                }

                return junk;
            }

            case 1:
                return seed[..random.Next(0, seed.Length)];
            case 2:
            {
                var p = (byte[])seed.Clone();
                for (int k = random.Next(1, 4); k > 0; k--)
                {
                    p[random.Next(2, p.Length)] ^= (byte)(1 << random.Next(8));
                }

                return p;
            }

            case 3:
            {
                var p = (byte[])seed.Clone();
                p[4 + (2 * random.Next(4)) + 1] = (byte)random.Next(0, 5);
                return p;
            }

            case 4:
            {
                // A compression pointer loop, or a pointer forward, at a random label position.
                var p = (byte[])seed.Clone();
                int at = 12 + random.Next(0, 6);
                p[at] = 0xC0;
                p[at + 1] = (byte)(random.Next(2) == 0 ? at : at + 2 + random.Next(10));
                return p;
            }

            case 5:
            {
                // Oversized labels and names.
                var p = new List<byte>(seed[..12]);
                p[5] = 1;
                p[11] = 0;
                int labels = random.Next(1, 8);
                for (int l = 0; l < labels; l++)
                {
                    int len = random.Next(50, 80);
                    p.Add((byte)len);
                    p.AddRange(Enumerable.Repeat((byte)'a', Math.Min(len, 63)));
                }

                p.AddRange([0, 0, 1, 0, 1]);
                return [.. p];
            }

            case 6:
            {
                var p = (byte[])seed.Clone();
                int start = random.Next(12, p.Length);
                var tail = new byte[random.Next(0, 40)];
                random.NextBytes(tail);
                return [.. p[..start], .. tail];
            }

            default:
                return (byte[])seed.Clone();
        }
    }
}
