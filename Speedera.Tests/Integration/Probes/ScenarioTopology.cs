using System.Diagnostics;
using System.Globalization;
using System.Net;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;
using Speedera.Edge.Probe;

namespace Speedera.Tests.Integration.Probes;

/// <summary>Where the failover scenario runs: three POPs, a client and a dns node.</summary>
internal interface IScenarioTopology : IAsyncDisposable
{
    string Kind { get; }

    SocketFactory PopSockets(int pop);

    SocketFactory ClientSockets { get; }

    IPAddress PopAddress(int pop);

    /// <summary>The hidden failover server's address; it lives in POP 3.</summary>
    IPAddress HiddenAddress { get; }

    IPAddress ClientAddress { get; }

    /// <summary>Origins' port: fixed in namespaces, 0 (pick one) on loopback.</summary>
    int OriginPort { get; }

    ILatencyProber LatencyProber(int pop);

    Task SetDelayAsync(int pop, TimeSpan oneWay);

    T InClient<T>(Func<T> func);
}

/// <summary>
/// Everything on 127.0.0.0/8 in this network namespace. Loopback has no delay to measure, so the
/// latency probes here use <see cref="ScriptedLatencyProber"/>, which reports twice the set
/// one-way delay; service probes, exchange, dns server and engine are the real ones.
/// </summary>
internal sealed class LoopbackTopology : IScenarioTopology
{
    private readonly ScriptedLatencyProber[] _probers;

    public LoopbackTopology(TimeSpan[] oneWayDelays) =>
        _probers = [.. oneWayDelays.Select(d => new ScriptedLatencyProber(d + d))];

    public string Kind => "loopback";

    public SocketFactory ClientSockets => SocketFactories.Default;

    public IPAddress HiddenAddress { get; } = IPAddress.Parse("127.0.1.4");

    public IPAddress ClientAddress => IPAddress.Loopback;

    public int OriginPort => 0;

    public SocketFactory PopSockets(int pop) => SocketFactories.Default;

    public IPAddress PopAddress(int pop) => IPAddress.Parse($"127.0.1.{pop}");

    public ILatencyProber LatencyProber(int pop) => _probers[pop - 1];

    public Task SetDelayAsync(int pop, TimeSpan oneWay)
    {
        _probers[pop - 1].RoundTrip = oneWay + oneWay;
        return Task.CompletedTask;
    }

    public T InClient<T>(Func<T> func) => func();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Reports a set round trip (FULL) for every target.</summary>
internal sealed class ScriptedLatencyProber(TimeSpan roundTrip) : ILatencyProber
{
    private long _ticks = roundTrip.Ticks;

    public TimeSpan RoundTrip
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));
        set => Interlocked.Exchange(ref _ticks, value.Ticks);
    }

    public Task<LatencyProbeResult?> ProbeAsync(IPAddress target, IReadOnlyList<LatencyMethod> methods, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult<LatencyProbeResult?>(new LatencyProbeResult(RoundTrip, LatencyQuality.Full, target.ToString(), LatencyMethodUsed.Icmp));
}

/// <summary>
/// A client namespace and three POP namespaces joined by the delay bridge (tools/delaybridge):
/// link i joins client 10.200.i.1 and POP i 10.200.i.2 with one-way delay d_i. The client (and
/// the dns node beside it) have 10.200.100.1 on their loopback, routed from each POP over its
/// link; the hidden server has 10.200.3.3 in POP 3. Nothing is routed outside the namespaces.
/// </summary>
internal sealed class NetnsTopology : IScenarioTopology
{
    private readonly NetworkNamespace _client;
    private readonly NetworkNamespace[] _pops;
    private readonly Process _bridge;
    private readonly ILatencyProber[] _probers;

    private NetnsTopology(NetworkNamespace client, NetworkNamespace[] pops, Process bridge)
    {
        _client = client;
        _pops = pops;
        _bridge = bridge;
        _probers = [.. pops.Select(p => (ILatencyProber)new LatencyProber(p.CreateSocket))];
    }

    public string Kind => "netns";

    public SocketFactory ClientSockets => _client.CreateSocket;

    public IPAddress HiddenAddress { get; } = IPAddress.Parse("10.200.3.3");

    public IPAddress ClientAddress { get; } = IPAddress.Parse("10.200.100.1");

    public int OriginPort => 8080;

    public static async Task<NetnsTopology> CreateAsync(TimeSpan[] oneWayDelays)
    {
        var tag = (Environment.ProcessId % 100000).ToString(CultureInfo.InvariantCulture);
        var created = new List<NetworkNamespace>();
        Process? bridge = null;
        try
        {
            var client = NetworkNamespace.Create($"spd{tag}c");
            created.Add(client);
            var pops = new NetworkNamespace[3];
            for (var i = 0; i < 3; i++)
            {
                pops[i] = NetworkNamespace.Create($"spd{tag}p{i + 1}");
                created.Add(pops[i]);
            }

            var links = Enumerable.Range(1, 3).Select(i =>
                $"--link p{i}:{client.Name}:sc{tag}l{i}:10.200.{i}.1:{pops[i - 1].Name}:sp{tag}l{i}:10.200.{i}.2:{oneWayDelays[i - 1].TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}");
            bridge = Process.Start(new ProcessStartInfo("dotnet", $"{DelayBridgeBinary()} {string.Join(' ', links)}")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var ready = await bridge.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (ready is null || !ready.StartsWith("ready", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"delay bridge did not start: {ready} {await bridge.StandardError.ReadToEndAsync()}");
            }

            _ = DrainAsync(bridge.StandardOutput);
            client.Ip("addr add 10.200.100.1/32 dev lo");
            for (var i = 1; i <= 3; i++)
            {
                pops[i - 1].Ip($"route add 10.200.100.0/24 dev sp{tag}l{i}");
            }

            pops[2].Ip("addr add 10.200.3.3/32 dev lo");
            return new NetnsTopology(client, pops, bridge);
        }
        catch
        {
            if (bridge is { HasExited: false })
            {
                bridge.Kill();
            }

            bridge?.Dispose();
            created.ForEach(n => n.Dispose());
            throw;
        }
    }

    public SocketFactory PopSockets(int pop) => _pops[pop - 1].CreateSocket;

    public IPAddress PopAddress(int pop) => IPAddress.Parse($"10.200.{pop}.2");

    public ILatencyProber LatencyProber(int pop) => _probers[pop - 1];

    public async Task SetDelayAsync(int pop, TimeSpan oneWay)
    {
        await _bridge.StandardInput.WriteLineAsync($"delay p{pop} {oneWay.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}");
        await _bridge.StandardInput.FlushAsync();
    }

    public T InClient<T>(Func<T> func) => _client.Invoke(func);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _bridge.StandardInput.WriteLineAsync("quit");
            await _bridge.StandardInput.FlushAsync();
            await _bridge.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is IOException or TimeoutException)
        {
            _bridge.Kill();
        }

        _bridge.Dispose();
        foreach (var ns in _pops.Append(_client))
        {
            ns.Dispose();
        }
    }

    /// <summary>The delay bridge binary, built on first use.</summary>
    internal static string DelayBridgeBinary()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Speedera.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException("Speedera.sln not found above the test binaries.");
        }

        var project = Path.Combine(dir.FullName, "tools", "delaybridge");
        var binary = Path.Combine(project, "bin", "Debug", "net10.0", "delaybridge.dll");
        if (!File.Exists(binary))
        {
            NetworkNamespace.Run("dotnet", $"build -nologo -v q {Path.Combine(project, "DelayBridge.csproj")}");
        }

        return binary;
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is not null)
        {
        }
    }
}
