using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Speedera.Core.Cache;
using Speedera.Core.Configuration;
using Speedera.Edge.Cache;
using Speedera.Edge.Hosting;

namespace Speedera.Bench.Cache;

/// <summary>
/// Standalone cache node for bench/cache scripts.
/// <c>CacheBenchHost --listen 127.0.0.1:8081 --origin 127.0.0.1:8000 --host localhost [--host name]... [--disk DIR] [--memory-mb N]
/// [--admin 127.0.0.1:8089] [--inline true|false] [--zero-copy true|false] [--fast-hits true|false]</c> (admin: <c>POST /purge?url=http://host/path[&amp;soft=true]</c>, <c>GET /usage</c>), or
/// <c>CacheBenchHost --purge-bench [N]</c>.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // The same process settings as the edge executable (Speedera.Edge's EdgeProgram).
        EdgeRuntime.PreferInlineSocketCompletions();
        if (args.Length > 0 && args[0] == "--purge-bench")
        {
            return await PurgeBench.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20);
        }

        var listen = IPEndPoint.Parse("127.0.0.1:8081");
        var origin = IPEndPoint.Parse("127.0.0.1:8000");
        IPEndPoint? admin = null;
        var hosts = new List<string>();
        string? disk = null;
        long memoryMb = 512;
        var inline = true;
        var zeroCopy = true;
        var fastHits = true;
        string? statusSite = null;
        for (var i = 0; i < args.Length - 1; i += 2)
        {
            switch (args[i])
            {
                case "--listen": listen = IPEndPoint.Parse(args[i + 1]); break;
                case "--origin": origin = IPEndPoint.Parse(args[i + 1]); break;
                case "--admin": admin = IPEndPoint.Parse(args[i + 1]); break;
                case "--host": hosts.Add(args[i + 1]); break;
                case "--disk": disk = args[i + 1]; break;
                case "--inline": inline = bool.Parse(args[i + 1]); break;
                case "--zero-copy": zeroCopy = bool.Parse(args[i + 1]); break;
                case "--fast-hits": fastHits = bool.Parse(args[i + 1]); break;
                case "--status-site": statusSite = args[i + 1]; break;
                case "--memory-mb": memoryMb = long.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }

        if (!IPAddress.IsLoopback(origin.Address) || !IPAddress.IsLoopback(listen.Address) || (admin is not null && !IPAddress.IsLoopback(admin.Address)))
        {
            Console.Error.WriteLine("bench host: every address must be loopback");
            return 2;
        }

        if (hosts.Count == 0)
        {
            hosts.Add("localhost");
        }

        var configuration = Configuration(hosts, origin);
        var options = new CacheServerOptions
        {
            ListenEndpoint = listen,
            MemoryCapacityBytes = memoryMb * 1024 * 1024,
            DiskPath = disk,
            OriginResponseTimeout = TimeSpan.FromSeconds(10),
            InlineScheduling = inline,
            ZeroCopySend = zeroCopy,
            FastHits = fastHits,
            StatusSite = statusSite is null ? null : StatusSiteFrom(statusSite),
        };
        await using var host = new CacheServerHost(options, () => configuration);
        await host.StartAsync();
        Console.WriteLine($"cache listening on {string.Join(", ", host.Addresses)} for {string.Join(", ", hosts)} -> {origin}");
        await using var adminApp = admin is null ? null : await StartAdminAsync(admin, host);
        var stop = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.TrySetResult();
        });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.TrySetResult();
        });
        await stop.Task;
        Console.WriteLine($"requests answered by the connection-level hit path: {host.FastHits}");
        return 0;
    }

    /// <summary>
    /// bench/status: the files of DIR (index.html, history.rss, history.atom, summary.json) as a signed status site, served
    /// for status.speedera.net the way an edge node serves the control plane's.
    /// </summary>
    private static Func<Speedera.Edge.ControlPlane.StatusSiteContent?> StatusSiteFrom(string directory)
    {
        string Type(string name) => Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".rss" => "application/rss+xml; charset=utf-8",
            ".atom" => "application/atom+xml; charset=utf-8",
            _ => "application/json; charset=utf-8",
        };
        var files = Directory.GetFiles(directory)
            .Select(f => new Speedera.Core.Status.StatusSiteFile(Path.GetFileName(f) == "index.html" ? "/" : "/" + Path.GetFileName(f), Type(f), File.ReadAllBytes(f)))
            .ToList();
        using var key = ConfigurationKeys.CreateSigningKey();
        var envelope = Speedera.Core.Status.SignedStatusSite.Sign(new Speedera.Core.Status.StatusSiteDocument(1, DateTimeOffset.UtcNow, files), key);
        if (!envelope.TryVerify(key, out var site, out var error))
        {
            throw new InvalidOperationException(error);
        }

        var content = new Speedera.Edge.ControlPlane.StatusSiteContent(envelope, site!);
        return () => content;
    }

    internal static NetworkConfiguration Configuration(IReadOnlyList<string> hosts, IPEndPoint origin) => new()
    {
        Version = 1,
        AllowPrivateTargets = true,
        GeneratedAt = DateTimeOffset.UtcNow,
        Pops = [],
        Servers = [],
        Nodes = [],
        Zones = [],
        Hostnames = hosts.Select(h => new Hostname
        {
            Name = h,
            Zone = h,
            Services = HostnameServices.Cdn,
            Ttl = TimeSpan.FromSeconds(30),
            UseLatency = false,
            Candidates = [],
            Persistence = PersistenceSettings.Off,
            StaticMappings = [],
            Cache = new CacheSettings(origin.Address.ToString(), "http", origin.Port, $"{h}:{origin.Port}", TimeSpan.Zero, true, []),
        }).ToList(),
        Probes = new ProbeSettings(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), 10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60),
            TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(2), [], new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, IReadOnlyList<string>>()),
    };

    internal static async Task<WebApplication> StartAdminAsync(IPEndPoint endpoint, CacheServerHost host)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint));
        var app = builder.Build();
        var json = new JsonSerializerOptions { Converters = { new JsonStringEnumConverter() } };
        app.MapPost("/purge", (string url, bool? soft) => Results.Text(
            JsonSerializer.Serialize(host.ApplyPurge(PurgeOrder.FromUrl(Guid.NewGuid(), new Uri(url), soft ?? false, DateTimeOffset.UtcNow)), json) + "\n",
            "application/json"));
        app.MapGet("/usage", () => Results.Text(JsonSerializer.Serialize(host.Usage.Drain(includeCurrent: true), json) + "\n", "application/json"));
        await app.StartAsync();
        Console.WriteLine($"admin listening on {string.Join(", ", app.Urls)}");
        return app;
    }
}
