using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.PageCheck;
using Speedera.Core.Security;
using Speedera.Edge.Probe.PageCheck;

// bench/pagecheck: a page with N components (default 50) checked from P POPs at once (default 7), each POP an agent
// with its own loopback source address; the site runs in a child process so this process's CPU is the agents' alone.
// Prints wall time per check round, agent CPU and allocation per location, and the agent's own per-request overhead
// against curl's timings for the same URLs on a warm connection in the same run.
if (args.Length > 0 && args[0] == "--serve")
{
    await Site.ServeAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
    return 0;
}

var pops = Arg("--pops", 7);
var components = Arg("--components", 50);
var rounds = Arg("--rounds", 5);

using var site = Site.Spawn(components);
var url = new Uri($"http://127.0.0.1:{site.Port}/");

PageCheckAgent AgentFor(int pop, int connections = 6) => new(
    () => null,
    () => NetworkTargetGuard.Strict,
    new PageCheckAgentOptions
    {
        TestAllowedNetworks = [IPNetwork.Parse("127.0.0.0/8")],
        Limits = PageCheckLimits.Default with { MaxConnectionsPerHost = connections },
        Sockets = (family, type, protocol) =>
        {
            var socket = new Socket(family, type, protocol);
            socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{31 + pop}"), 0));
            return socket;
        },
    },
    TimeProvider.System,
    NullLogger.Instance);

PageCheckJob Job(bool repeat = true) => new(Guid.NewGuid(), "bench", url.AbsoluteUri, repeat, false, false, null, PageCheckLimits.Default, DateTimeOffset.UtcNow.AddMinutes(5));

var agents = Enumerable.Range(0, pops).Select(p => AgentFor(p)).ToArray();
await Task.WhenAll(agents.Select(a => a.RunAsync(Job(), "warm-up", CancellationToken.None)));

var walls = new List<double>();
var process = Process.GetCurrentProcess();
var cpuBefore = process.TotalProcessorTime;
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
long peak = 0;
for (var round = 0; round < rounds; round++)
{
    var watch = Stopwatch.StartNew();
    var results = await Task.WhenAll(agents.Select(a => a.RunAsync(Job(), "bench", CancellationToken.None)));
    walls.Add(watch.Elapsed.TotalMilliseconds);
    foreach (var r in results)
    {
        var first = r.Views[0];
        if (r.Error is not null || first.Requests.Count != components + 1 || first.Requests.Any(q => q.Status != 200))
        {
            Console.Error.WriteLine($"bad result: {r.Error} {first.Error}, {first.Requests.Count} requests, statuses {string.Join(",", first.Requests.Select(q => q.Status).Distinct())}");
            return 1;
        }

        if (r.Views[1].Requests.Count(q => q.FromCache || q.Status == 304) != components + 1)
        {
            Console.Error.WriteLine("bad repeat view: not every request came from the cache or was revalidated");
            return 1;
        }
    }

    process.Refresh();
    peak = Math.Max(peak, process.WorkingSet64);
}

var checks = rounds * pops;
var cpuPerCheck = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / checks;
var allocatedPerCheck = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)checks;
Console.WriteLine(FormattableString.Invariant(
    $"pagecheck: {pops} POPs x {components + 1} requests (first + repeat view), {rounds} rounds: wall p50 {P(walls, 50):0.0} ms, max {walls.Max():0.0} ms; agent CPU {cpuPerCheck:0.0} ms and {allocatedPerCheck / 1048576:0.00} MB allocated per location; peak working set {peak / 1048576.0:0} MB"));

// Overhead: the same component URLs, one after the other on one warm connection, by the agent and by curl.
var single = AgentFor(0, connections: 1);
var sequential = await single.RunAsync(Job(repeat: false), "overhead", CancellationToken.None);
var agentTimes = sequential.Views[0].Requests.Skip(1).Where(r => !r.NewConnection).Select(r => r.Timings.Send + r.Timings.Wait + r.Timings.Receive).ToList();
var urls = sequential.Views[0].Requests.Skip(1).Select(r => r.Url).ToList();
var curlTimes = await Curl.TimesAsync(urls);
var agentP50 = P(agentTimes, 50);
var curlP50 = P(curlTimes.Skip(1).ToList(), 50);
Console.WriteLine(FormattableString.Invariant(
    $"pagecheck overhead: per request on a warm connection, agent p50 {agentP50:0.000} ms, curl p50 {curlP50:0.000} ms: agent overhead {agentP50 - curlP50:0.000} ms (target within 1 ms); {agentTimes.Count} and {curlTimes.Count - 1} requests"));
return Math.Abs(agentP50 - curlP50) <= 1 ? 0 : 2;

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static double P(IReadOnlyList<double> values, int percentile)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

internal static class Curl
{
    /// <summary>curl fetching every URL in one run (one connection, reused), time_total per URL in milliseconds.</summary>
    public static async Task<List<double>> TimesAsync(IReadOnlyList<string> urls)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-s");
        start.ArgumentList.Add("--noproxy");
        start.ArgumentList.Add("*");
        foreach (var u in urls)
        {
            start.ArgumentList.Add("-o");
            start.ArgumentList.Add("/dev/null");
            start.ArgumentList.Add("-w");
            start.ArgumentList.Add("%{time_total}\\n");
            start.ArgumentList.Add(u);
        }

        using var process = Process.Start(start)!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => double.Parse(l, CultureInfo.InvariantCulture) * 1000)];
    }
}

internal sealed class Site : IDisposable
{
    private readonly Process _process;

    private Site(Process process, int port) => (_process, Port) = (process, port);

    public int Port { get; }

    public static Site Spawn(int components)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
        start.ArgumentList.Add(typeof(Site).Assembly.Location);
        start.ArgumentList.Add("--serve");
        start.ArgumentList.Add(components.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(start)!;
        var port = int.Parse(process.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
        return new Site(process, port);
    }

    /// <summary>A page with <paramref name="components"/> components: a fifth style sheets (each with one image), the rest images and scripts.</summary>
    public static async Task ServeAsync(int components)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        Microsoft.AspNetCore.Hosting.WebHostBuilderKestrelExtensions.ConfigureKestrel(builder.WebHost, k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var sheets = components / 10;
        var html = new StringBuilder("<!doctype html><html><head>");
        for (var i = 0; i < sheets; i++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<link rel=stylesheet href=/css/{i}.css>");
        }

        var rest = components - (2 * sheets);
        for (var i = 0; i < rest; i++)
        {
            html.Append(i % 4 == 0 ? FormattableString.Invariant($"<script src=/js/{i}.js></script>") : FormattableString.Invariant($"<img src=/img/{i}.png>"));
        }

        var page = Encoding.UTF8.GetBytes(html.Append("</head></html>").ToString());
        var blob = new byte[8192];
        app.Run(async context =>
        {
            var path = context.Request.Path.Value!;
            context.Response.Headers.ETag = "\"v1\"";
            if (context.Request.Headers.IfNoneMatch == "\"v1\"")
            {
                context.Response.StatusCode = 304;
                return;
            }

            context.Response.Headers.CacheControl = path.StartsWith("/img/", StringComparison.Ordinal) || path.StartsWith("/bg/", StringComparison.Ordinal) ? "max-age=600" : "no-cache";
            var body = path == "/" ? page : path.StartsWith("/css/", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes($".x{{background:url(/bg/{path[5..^4]}.png)}}") : blob;
            context.Response.ContentType = path == "/" ? "text/html" : path.StartsWith("/css/", StringComparison.Ordinal) ? "text/css" : "application/octet-stream";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body);
        });
        await app.StartAsync();
        Console.WriteLine(new Uri(app.Urls.First()).Port);
        await app.WaitForShutdownAsync();
    }

    public void Dispose()
    {
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
