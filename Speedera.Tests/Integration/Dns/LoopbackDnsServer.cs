using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Speedera.Core.Configuration;
using Speedera.Edge.Dns;
using Speedera.Tests.Unit.Gtm;

namespace Speedera.Tests.Integration.Dns;

/// <summary>A real DnsServerHost on 127.0.0.1, port 0, whose configuration a test can swap.</summary>
public sealed class LoopbackDnsServer : IAsyncLifetime
{
    private NetworkConfiguration? _configuration = TestNetwork.Create(txtRecords: 30);
    private readonly ILoggerFactory _loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));

    public LoopbackDnsServer()
        : this(new DnsServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), RateLimitResponsesPerSecond = 0, TcpIdleTimeout = TimeSpan.FromSeconds(1) })
    {
    }

    internal LoopbackDnsServer(DnsServerOptions options, TimeProvider? timeProvider = null)
    {
        State = new DnsNodeState(timeProvider ?? TimeProvider.System);
        Host = new DnsServerHost(options, () => Volatile.Read(ref _configuration), State, _loggerFactory);
    }

    public DnsServerHost Host { get; }

    public DnsNodeState State { get; }

    public IPEndPoint EndPoint => Host.BoundEndPoint!;

    public int Port => EndPoint.Port;

    public NetworkConfiguration? Configuration
    {
        get => Volatile.Read(ref _configuration);
        set => Volatile.Write(ref _configuration, value);
    }

    public async Task InitializeAsync()
    {
        State.Metrics.ApplyServiceMetrics(TestNetwork.HealthyMetrics(DateTimeOffset.UtcNow + TimeSpan.FromHours(1)));
        await Host.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Host.StopAsync(timeout.Token);
        _loggerFactory.Dispose();
    }

    /// <summary>Sends one UDP query and waits for the answer (null on timeout).</summary>
    public async Task<byte[]?> AskUdpAsync(byte[] query, TimeSpan? timeout = null)
    {
        using var client = new UdpClient(AddressFamily.InterNetwork);
        client.Connect(EndPoint);
        await client.SendAsync(query);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(2));
        try
        {
            return (await client.ReceiveAsync(cts.Token)).Buffer;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}

/// <summary>Runs dig or kdig and returns what it printed.</summary>
internal static class DnsTool
{
    public static async Task<string> RunAsync(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        return await stdout + await stderr;
    }

    public static Task<string> DigAsync(LoopbackDnsServer server, params string[] args) =>
        RunAsync("/usr/bin/dig", [$"@127.0.0.1", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+tries=1", "+time=3", .. args]);

    public static Task<string> KdigAsync(LoopbackDnsServer server, params string[] args) =>
        RunAsync("/usr/bin/kdig", [$"@127.0.0.1", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+retry=0", "+time=3", .. args]);
}
