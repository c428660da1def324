using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Speedera.Core.Configuration;
using Speedera.Core.Dns;
using Speedera.Edge.Dns;
using Speedera.Tests.Support;
using Speedera.Tests.Unit.Dns;
using Speedera.Tests.Unit.Gtm;

namespace Speedera.Tests.Integration.Dns;

public class ServerBehaviourTests
{
    [Fact]
    public async Task Config_change_under_load_drops_no_queries()
    {
        await using var server = new LoopbackDnsServer();
        await server.InitializeAsync();
        var a = TestNetwork.Create(version: 1);
        var b = TestNetwork.Create(version: 2, adjust: h => h.Name == "weighted.example.test"
            ? h with { Candidates = [new Candidate("s3", "http", 1, false)] }
            : h);
        server.Configuration = a;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var swapper = Task.Run(async () =>
        {
            int swaps = 0;
            while (!stop.IsCancellationRequested)
            {
                server.Configuration = swaps++ % 2 == 0 ? b : TestNetwork.Create(version: swaps, adjust: h => h);
                await Task.Delay(5);
            }

            return swaps;
        });

        var failures = new ConcurrentBag<string>();
        long answered = 0;
        var clients = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            using var udp = new UdpClient(AddressFamily.InterNetwork);
            udp.Connect(server.EndPoint);
            ushort id = (ushort)(c * 10000);
            while (!stop.IsCancellationRequested)
            {
                var query = DnsTestMessages.Query("weighted.example.test", DnsRecordType.A, id: ++id);
                await udp.SendAsync(query);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    var r = DnsTestMessages.Read((await udp.ReceiveAsync(wait.Token)).Buffer);
                    if (r.Id != id || r.RCode != 0 || r.Answers.Count != 1 || !new[] { "10.0.0.1", "10.0.0.2", "10.0.0.3" }.Contains(r.Answers[0].Text))
                    {
                        failures.Add($"id {id}: rcode {r.RCode}, {r.Answers.Count} answers");
                    }

                    Interlocked.Increment(ref answered);
                }
                catch (OperationCanceledException)
                {
                    failures.Add($"id {id}: no answer");
                }
            }
        })).ToArray();

        await Task.WhenAll(clients);
        int swapCount = await swapper;
        Assert.Empty(failures);
        Assert.True(answered > 100, $"only {answered} answered");
        Assert.True(swapCount > 50, $"only {swapCount} swaps");
    }

    [Fact]
    public async Task Udp_responses_over_the_rate_limit_are_dropped_or_slipped_as_truncated()
    {
        var options = new DnsServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), RateLimitResponsesPerSecond = 20, RateLimitSlip = 2 };
        // A clock that stands still keeps the whole burst in one rate-limit window, however slow the machine.
        await using var server = new LoopbackDnsServer(options, new FakeTimeProvider(TestNetwork.Start));
        await server.InitializeAsync();
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        udp.Client.ReceiveBufferSize = 1 << 20;
        udp.Connect(server.EndPoint);
        const int Sent = 200;
        for (int i = 0; i < Sent; i++)
        {
            await udp.SendAsync(DnsTestMessages.Query("static.example.test", DnsRecordType.A, id: (ushort)i));
        }

        int full = 0, truncated = 0;
        while (true)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                var r = DnsTestMessages.Read((await udp.ReceiveAsync(wait.Token)).Buffer);
                if (r.Has(DnsFlags.TC))
                {
                    Assert.Empty(r.Answers);
                    truncated++;
                }
                else
                {
                    full++;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // 20 answered, then of the 180 over the limit every second one slips out truncated, the rest drop.
        Assert.Equal(20, full);
        Assert.InRange(truncated, 85, 90);
        Assert.Equal(Sent - 20, server.Host.Stats.RateLimited);
    }
}

/// <summary>
/// The two UDP paths: batched (recvmmsg/sendmmsg, Linux) and one datagram at a time. Both must answer every query of
/// many concurrent clients, IPv4 and IPv6, each to its sender with its own id.
/// </summary>
public class UdpPathTests
{
    [Theory]
    [InlineData(true, "127.0.0.1")]
    [InlineData(false, "127.0.0.1")]
    [InlineData(true, "::1")]
    [InlineData(false, "::1")]
    public async Task Bursts_from_many_clients_are_all_answered_to_their_senders(bool batching, string address)
    {
        var options = new DnsServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Parse(address), 0),
            RateLimitResponsesPerSecond = 0,
            UdpBatching = batching,
            UdpReceiveLoops = 2,
        };
        await using var server = new LoopbackDnsServer(options);
        await server.InitializeAsync();
        var family = server.EndPoint.AddressFamily;

        var failures = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            using var udp = new UdpClient(family);
            udp.Client.ReceiveBufferSize = 1 << 20;
            udp.Connect(server.EndPoint);
            for (int burst = 0; burst < 10; burst++)
            {
                // Ten queries in flight at once, so the server sees several waiting datagrams per receive.
                var ids = new HashSet<ushort>();
                for (int q = 0; q < 10; q++)
                {
                    ushort id = (ushort)((c * 1000) + (burst * 10) + q);
                    ids.Add(id);
                    await udp.SendAsync(DnsTestMessages.Query(q % 2 == 0 ? "StAtIc.Example.TEST" : "missing.example.test", DnsRecordType.A, id: id));
                }

                while (ids.Count > 0)
                {
                    using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                    try
                    {
                        var r = DnsTestMessages.Read((await udp.ReceiveAsync(wait.Token)).Buffer);
                        if (!ids.Remove(r.Id))
                        {
                            failures.Add($"client {c}: unexpected id {r.Id}");
                        }
                        else if (r.Id % 2 == 0 && (r.RCode != 0 || r.QuestionName.TrimEnd('.') != "StAtIc.Example.TEST" || r.Answers.Count != 1))
                        {
                            failures.Add($"client {c} id {r.Id}: rcode {r.RCode}, name {r.QuestionName}, {r.Answers.Count} answers");
                        }
                        else if (r.Id % 2 == 1 && r.RCode != 3)
                        {
                            failures.Add($"client {c} id {r.Id}: rcode {r.RCode} for a missing name");
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        failures.Add($"client {c}: no answer for ids {string.Join(",", ids)}");
                        break;
                    }
                }
            }
        })));

        Assert.Empty(failures);
        Assert.Equal(800, server.Host.Stats.Queries);
    }

    [PlatformFact(PlatformFeature.UdpBatch)]
    public async Task A_backlog_wakes_the_helper_loop_and_every_query_the_server_takes_is_answered()
    {
        // One socket, two loops: the first waits on the socket, the second only helps when full batches pile up.
        var options = new DnsServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            RateLimitResponsesPerSecond = 0,
            UdpReceiveLoops = 2,
            UdpSockets = 1,
        };
        await using var server = new LoopbackDnsServer(options);
        await server.InitializeAsync();

        long answered = 0;
        var wrong = new ConcurrentBag<string>();
        for (int round = 0; round < 20 && server.Host.Stats.UdpHelperWakes == 0; round++)
        {
            // Eight clients each fire 400 queries without waiting, then collect answers until the line is quiet.
            var counts = await Task.WhenAll(Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
            {
                using var udp = new UdpClient(AddressFamily.InterNetwork);
                udp.Client.ReceiveBufferSize = 4 << 20;
                udp.Connect(server.EndPoint);
                var query = DnsTestMessages.Query("static.example.test", DnsRecordType.A, id: (ushort)c);
                for (int q = 0; q < 400; q++)
                {
                    udp.Send(query);
                }

                int got = 0;
                while (true)
                {
                    using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                    try
                    {
                        var r = DnsTestMessages.Read((await udp.ReceiveAsync(quiet.Token)).Buffer);
                        if (r.Id != c || r.RCode != 0 || r.Answers.Count != 1)
                        {
                            wrong.Add($"client {c}: id {r.Id} rcode {r.RCode} answers {r.Answers.Count}");
                        }

                        got++;
                    }
                    catch (OperationCanceledException)
                    {
                        return got;
                    }
                }
            })));
            answered += counts.Sum();
        }

        Assert.Empty(wrong);
        Assert.True(server.Host.Stats.UdpHelperWakes > 0, "no burst ever woke the helper loop");

        // The kernel may drop datagrams before the server reads them; what the server took, it answered.
        Assert.Equal(server.Host.Stats.Queries, answered);
    }

    [Fact]
    public async Task A_datagram_longer_than_any_query_is_dropped_and_the_server_answers_the_next()
    {
        await using var server = new LoopbackDnsServer();
        await server.InitializeAsync();
        var oversized = new byte[LinuxUdpBatch.RequestSlot + 1000];
        DnsTestMessages.Query("static.example.test", DnsRecordType.A, id: 7).CopyTo(oversized, 0);

        var answer = await server.AskUdpAsync(oversized, TimeSpan.FromMilliseconds(500));
        var next = await server.AskUdpAsync(DnsTestMessages.Query("static.example.test", DnsRecordType.A, id: 8));

        Assert.NotNull(next);
        Assert.Equal(8, DnsTestMessages.Read(next).Id);
        if (LinuxUdpBatch.Supported)
        {
            Assert.Null(answer);
            Assert.Equal(1, server.Host.Stats.Dropped);
        }
    }
}

public class QueryLogTests
{
    [Fact]
    public async Task Query_log_writes_the_decision_and_stays_within_its_rate()
    {
        var path = Path.Combine(Path.GetTempPath(), "speedera-querylog-" + Guid.NewGuid().ToString("N"), "queries.log");
        var options = new DnsServerOptions
        {
            Endpoint = new IPEndPoint(IPAddress.Loopback, 0),
            RateLimitResponsesPerSecond = 0,
            QueryLogPath = path,
            QueryLogPerSecond = 5,
        };
        // A clock that stands still: every query falls into the same one-second allowance.
        var server = new LoopbackDnsServer(options, new FakeTimeProvider(DateTimeOffset.UtcNow));
        await server.InitializeAsync();
        try
        {
            Assert.NotNull(await server.AskUdpAsync(DnsTestMessages.Query("Weighted.Example.Test", DnsRecordType.A, id: 1, edns: true, ecs: "198.51.100.0/24")));
            Assert.NotNull(await server.AskUdpAsync(DnsTestMessages.Query("missing.example.test", DnsRecordType.AAAA, id: 2)));
            Assert.NotNull(await server.AskUdpAsync([0x12, 0x34, 0x01, 0x00, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 3, (byte)'a']));
            for (ushort id = 10; id < 30; id++)
            {
                Assert.NotNull(await server.AskUdpAsync(DnsTestMessages.Query("static.example.test", DnsRecordType.A, id: id)));
            }
        }
        finally
        {
            await server.DisposeAsync();
        }

        var lines = await File.ReadAllLinesAsync(path);
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        var queries = lines.Where(l => !l.StartsWith('#')).ToList();
        Assert.Equal(5, queries.Count);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z 127\.0\.0\.1 udp ecs=198\.51\.100\.0/24 weighted\.example\.test A NOERROR reason=\w+ answer=10\.0\.0\.\d pop=\w+$", queries[0]);
        Assert.EndsWith(" 127.0.0.1 udp missing.example.test AAAA NXDOMAIN", queries[1], StringComparison.Ordinal);
        Assert.EndsWith(" 127.0.0.1 udp - - FORMERR", queries[2], StringComparison.Ordinal);
        Assert.EndsWith(" udp static.example.test A NOERROR", queries[3], StringComparison.Ordinal);
        // 23 queries, 5 logged: the other 18 are counted in comment lines.
        var notLogged = lines.Where(l => l.StartsWith('#'))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @" (\d+) queries not logged \(limit 5/s\)$"))
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Sum();
        Assert.Equal(18, notLogged);
    }
}

public class HostLifecycleTests
{
    [Fact]
    public async Task Stop_ends_the_listeners_promptly_and_frees_the_port()
    {
        var server = new LoopbackDnsServer();
        await server.InitializeAsync();
        var endPoint = server.EndPoint;
        Assert.NotNull(await server.AskUdpAsync(DnsTestMessages.Query("static.example.test", DnsRecordType.A)));
        var started = DateTime.UtcNow;
        await server.DisposeAsync();
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(3), "stop took too long");
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(endPoint);
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        tcp.Bind(endPoint);
    }

    [Fact]
    public async Task Dns_role_registers_as_a_hosted_service_and_metric_sink()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var config = TestNetwork.Create();
        services.AddSpeederaDns(new DnsServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) }, _ => () => config);
        await using var provider = services.BuildServiceProvider();
        var hosted = Assert.Single(provider.GetServices<IHostedService>());
        var host = Assert.IsType<DnsServerHost>(hosted);
        var sink = provider.GetRequiredService<Speedera.Core.Probes.IMetricSink>();
        Assert.Same(host.State.Metrics, sink);
        await host.StartAsync(CancellationToken.None);
        try
        {
            using var udp = new UdpClient(AddressFamily.InterNetwork);
            udp.Connect(host.BoundEndPoint!);
            await udp.SendAsync(DnsTestMessages.Query("noload.example.test", DnsRecordType.A));
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var r = DnsTestMessages.Read((await udp.ReceiveAsync(wait.Token)).Buffer);
            Assert.Equal("10.0.0.9", Assert.Single(r.Answers).Text);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
