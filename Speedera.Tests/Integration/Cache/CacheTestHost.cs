using System.Net;
using System.Net.Sockets;
using System.Text;
using Speedera.Core.Configuration;
using Speedera.Edge.Cache;

namespace Speedera.Tests.Integration.Cache;

public static class TestNetwork
{
    public const string Host = "www.customer.com";
    public const string OriginName = "wwx.customer.com";
    public const string Alias = "images.customer.com";

    public static NetworkConfiguration Config(int originPort, long version = 1, TimeSpan? defaultTtl = null, params string[] extraHosts)
    {
        var hostnames = new List<Hostname> { Cdn(Host, originPort, defaultTtl, Alias) };
        hostnames.AddRange(extraHosts.Select(h => Cdn(h, originPort, defaultTtl)));
        return new NetworkConfiguration
        {
            AllowPrivateTargets = true,
            Version = version,
            GeneratedAt = DateTimeOffset.UnixEpoch,
            Pops = [],
            Servers = [],
            Nodes = [],
            Zones = [],
            Hostnames = hostnames,
            Probes = new ProbeSettings(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), 10, TimeSpan.FromSeconds(1),
                TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(2), [],
                new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, IReadOnlyList<string>>()),
        };
    }

    public static Hostname Cdn(string name, int originPort, TimeSpan? defaultTtl = null, params string[] aliases) => new()
    {
        Name = name,
        Zone = "customer.com",
        Services = HostnameServices.Cdn,
        Ttl = TimeSpan.FromSeconds(30),
        UseLatency = false,
        Candidates = [],
        Persistence = PersistenceSettings.Off,
        StaticMappings = [],
        Cache = new CacheSettings(OriginName, "http", originPort, null, defaultTtl ?? TimeSpan.Zero, true, aliases),
    };

    /// <summary>Maps every origin name to loopback; nothing leaves 127.0.0.0/8.</summary>
    public static ValueTask<IPAddress[]> LoopbackResolver(string host, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new[] { IPAddress.Loopback });
}

/// <summary>An origin, a cache in front of it on port 0, and an HttpClient aimed at the cache.</summary>
public sealed class CacheTestHost : IAsyncDisposable
{
    private CacheTestHost(OriginServer origin, CacheServerHost cache, CacheConfigurationHolder config, FakeTimeProvider clock, CacheServerOptions options)
    {
        Origin = origin;
        Cache = cache;
        Config = config;
        Clock = clock;
        Options = options;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = cache.Addresses.First(a => a.Scheme == "http"),
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public OriginServer Origin { get; }

    public CacheServerHost Cache { get; }

    public CacheConfigurationHolder Config { get; }

    public FakeTimeProvider Clock { get; }

    public CacheServerOptions Options { get; }

    public HttpClient Client { get; }

    public static async Task<CacheTestHost> StartAsync(Action<CacheServerOptions>? configure = null, OriginServer? origin = null, FakeTimeProvider? clock = null)
    {
        origin ??= await OriginServer.StartAsync();
        clock ??= new FakeTimeProvider(DateTimeOffset.UtcNow);
        origin.Clock = clock;
        var options = new CacheServerOptions
        {
            ListenEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            OriginResolver = TestNetwork.LoopbackResolver,
            TimeProvider = clock,
            OriginResponseTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(options);
        var config = new CacheConfigurationHolder(TestNetwork.Config(origin.Port));
        var cache = new CacheServerHost(options, config);
        await cache.StartAsync();
        return new CacheTestHost(origin, cache, config, clock, options);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string host = TestNetwork.Host, Action<HttpRequestMessage>? configure = null) =>
        SendAsync(HttpMethod.Get, path, host, configure);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string host = TestNetwork.Host, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Host = host;
        configure?.Invoke(request);
        return await Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Cache.DisposeAsync();
        await Origin.DisposeAsync();
    }
}

public static class ResponseExtensions
{
    public static string CacheStatus(this HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cache-Status", out var v) ? string.Join(", ", v) : "";
}

/// <summary>Test objects for the cache: random bytes and an origin path that serves them with a long max-age.</summary>
internal static class CacheObjects
{
    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static void MapBytes(OriginServer origin, string path, byte[] body) =>
        origin.Map(path, async context =>
        {
            context.Response.Headers.CacheControl = "max-age=600";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body);
        });
}

/// <summary>HTTP/1.1 over a raw socket, for tests that care about the bytes on the wire.</summary>
internal static class RawHttp
{
    public static async Task<Socket> ConnectAsync(CacheTestHost t, int receiveBuffer = 0)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer > 0)
        {
            socket.ReceiveBufferSize = receiveBuffer;
        }

        await socket.ConnectAsync(t.Client.BaseAddress!.Host, t.Client.BaseAddress.Port);
        return socket;
    }

    public static byte[] Get(string path, string fields = "", string method = "GET") =>
        Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: {TestNetwork.Host}\r\n{fields}\r\n");

    /// <summary>Reads a response head through its empty line; empty when the connection closed first.</summary>
    public static async Task<string> ReadHeadAsync(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                Assert.Empty(head);
                return "";
            }

            head.Add(one[0]);
        }

        return Encoding.ASCII.GetString([.. head]);
    }

    public static long ContentLength(string head)
    {
        var field = head.Split("\r\n").SingleOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        Assert.True(field is not null, $"no Content-Length in:\n{head}");
        return long.Parse(field["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Reads one Content-Length framed response (no body after a HEAD); a reader that pauses every few reads if asked.</summary>
    public static async Task<(string Head, byte[] Body)> ReadResponseAsync(Stream stream, int delayEvery = 0, bool head = false)
    {
        var text = await ReadHeadAsync(stream);
        Assert.NotEqual("", text);
        return (text, await ReadBodyAsync(stream, head ? 0 : ContentLength(text), delayEvery));
    }

    /// <summary>Reads a body of <paramref name="length"/> bytes; a reader that pauses every few reads if asked.</summary>
    public static async Task<byte[]> ReadBodyAsync(Stream stream, long length, int delayEvery = 0)
    {
        var body = new byte[length];
        int read = 0, chunks = 0;
        while (read < body.Length)
        {
            int n = await stream.ReadAsync(body.AsMemory(read, Math.Min(body.Length - read, delayEvery > 0 ? 4096 : body.Length - read)));
            Assert.True(n > 0, "the connection closed inside the body");
            read += n;
            if (delayEvery > 0 && ++chunks % delayEvery == 0)
            {
                await Task.Delay(5);
            }
        }

        return body;
    }
}
