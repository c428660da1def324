using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Speedera.Core.Configuration;
using Speedera.Core.Dns;
using Speedera.Edge.Dns;
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
        await using var server = new LoopbackDnsServer(options, new FakeClock(TestNetwork.Start));
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
