using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Speedera.Core.ControlPlane;

namespace Speedera.Tests.Integration.ConfigPush;

/// <summary>An edge node as its own process (<c>dotnet Speedera.Edge.dll ...</c>) with a status endpoint.</summary>
internal sealed class EdgeNodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly HttpClient _status;

    private EdgeNodeProcess(Process process, int statusPort, string nodeId)
    {
        _process = process;
        NodeId = nodeId;
        _status = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{statusPort}"), Timeout = TimeSpan.FromSeconds(5) };
    }

    public string NodeId { get; }

    /// <summary>The metric exchange key the dns and probe roles share; one per test run.</summary>
    private static readonly string ExchangeKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public IEnumerable<string> Output => _output;

    public static EdgeNodeProcess Start(string nodeId, string nodeKey, Uri controlPlane, string publicKey, string dataDirectory, params string[] extraArgs)
    {
        var statusPort = ControlPlaneHost.FreePort();
        return Launch(nodeId, statusPort, nodeKey,
        [
            "--node-id", nodeId, "--control-plane", controlPlane.ToString(), "--public-key", publicKey,
            "--data-dir", dataDirectory, "--status-listen", $"127.0.0.1:{statusPort}",
            "--poll-timeout", "20s", "--heartbeat-interval", "500ms", "--upload-interval", "200ms", "--retry-delay", "300ms",
            .. extraArgs,
        ]);
    }

    /// <summary>A node that runs from a signed configuration file, without a control plane.</summary>
    public static EdgeNodeProcess StartFromFile(string nodeId, string publicKey, string configFile, string dataDirectory, params string[] extraArgs)
    {
        var statusPort = ControlPlaneHost.FreePort();
        return Launch(nodeId, statusPort, null,
        [
            "--node-id", nodeId, "--config", configFile, "--public-key", publicKey,
            "--data-dir", dataDirectory, "--status-listen", $"127.0.0.1:{statusPort}",
            .. extraArgs,
        ]);
    }

    private static EdgeNodeProcess Launch(string nodeId, int statusPort, string? nodeKey, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(EdgeDll());
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        if (nodeKey is not null)
        {
            psi.Environment["SPEEDERA_NODE_KEY"] = nodeKey;
        }

        psi.Environment["SPEEDERA_EXCHANGE_KEY"] = ExchangeKey;
        psi.Environment["DOTNET_NOLOGO"] = "1";
        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start");
        var node = new EdgeNodeProcess(process, statusPort, nodeId);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>The node's <c>/metrics</c> (Prometheus text format).</summary>
    public async Task<string> MetricsAsync()
    {
        using var response = await _status.GetAsync("/metrics");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public async Task<EdgeStatusReport?> TryStatusAsync()
    {
        try
        {
            return await _status.GetFromJsonAsync("/status", EdgeApiJsonContext.Default.EdgeStatusReport);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    public async Task<bool> IsHealthyAsync()
    {
        try
        {
            using var response = await _status.GetAsync("/healthz");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the node's status.</summary>
    public async Task<EdgeStatusReport> WaitForAsync(Func<EdgeStatusReport, bool> condition, TimeSpan timeout, string what, TimeSpan? pollEvery = null)
    {
        var deadline = Stopwatch.StartNew();
        EdgeStatusReport? last = null;
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{NodeId} exited with {_process.ExitCode}:\n{string.Join('\n', _output)}");
            }

            last = await TryStatusAsync();
            if (last is not null && condition(last))
            {
                return last;
            }

            await Task.Delay(pollEvery ?? TimeSpan.FromMilliseconds(20));
        }

        throw new TimeoutException($"{NodeId}: {what} not reached in {timeout}; last status {last}\n{string.Join('\n', _output.TakeLast(40))}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _status.Dispose();
    }

    private static string EdgeDll()
    {
        // The test runs from Speedera.Tests/bin/<Configuration>/<tfm>; the edge executable is built beside it.
        var testDir = AppContext.BaseDirectory;
        var tfmDir = new DirectoryInfo(testDir.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = tfmDir.Parent!.Name;
        var repo = tfmDir.Parent!.Parent!.Parent!.Parent!.FullName;
        var edge = Path.Combine(repo, "Speedera.Edge", "bin", configuration, tfmDir.Name, "Speedera.Edge.dll");
        return File.Exists(edge) ? edge : Path.Combine(testDir, "Speedera.Edge.dll");
    }
}
