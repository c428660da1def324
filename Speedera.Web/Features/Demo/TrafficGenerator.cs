using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Features.Edge;

namespace Speedera.Web.Features.Demo;

/// <summary>Settings under <c>Speedera:Demo:TrafficGenerator</c>.</summary>
public sealed class TrafficGeneratorOptions
{
    public const string Section = "Speedera:Demo:TrafficGenerator";

    /// <summary>On by default in Development when the embedded edge runs (so <c>dotnet run</c> fills the graphs); off elsewhere.</summary>
    public bool? Enabled { get; set; }

    /// <summary>DNS queries per second per hostname.</summary>
    public int QueriesPerSecond { get; set; } = 2;

    /// <summary>HTTP requests per second per CDN hostname.</summary>
    public int RequestsPerSecond { get; set; } = 3;
}

/// <summary>
/// Development traffic for the demo network, through the real pipeline: DNS queries to the embedded dns role
/// (with EDNS Client Subnet options naming public subnets of several countries: a field inside a query sent to
/// our own server on loopback, no packet goes to those networks) from several loopback resolver addresses, and
/// HTTP requests to the address the answer named (the embedded cache) from several loopback client addresses.
/// The edge counts, uploads and the control plane stores them like any other traffic; nothing is written here.
/// </summary>
public sealed partial class TrafficGenerator(
    IServiceScopeFactory scopes,
    IOptions<TrafficGeneratorOptions> options,
    EmbeddedEdgeOptions embedded,
    IHostEnvironment environment,
    TimeProvider time,
    ILogger<TrafficGenerator> logger) : BackgroundService
{
    /// <summary>(country, subnet) pairs for the ECS option: where the demo's "visitors" are.</summary>
    internal static readonly (string Country, byte[] Subnet)[] Visitors =
    [
        ("US", [8, 8, 8, 0]),
        ("US", [24, 5, 0, 0]),
        ("GB", [81, 2, 69, 0]),
        ("DE", [5, 9, 0, 0]),
        ("FR", [90, 0, 0, 0]),
        ("BR", [200, 147, 0, 0]),
        ("JP", [133, 11, 0, 0]),
        ("IN", [49, 44, 0, 0]),
        ("AU", [139, 130, 4, 0]),
        ("ZA", [105, 0, 0, 0]),
        ("CA", [24, 114, 0, 0]),
    ];

    private static readonly IPAddress[] Resolvers = [IPAddress.Parse("127.0.0.2"), IPAddress.Parse("127.0.0.3"), IPAddress.Parse("127.0.0.4"), IPAddress.Parse("127.0.0.5")];
    private static readonly IPAddress[] Clients = [IPAddress.Parse("127.0.0.21"), IPAddress.Parse("127.0.0.22"), IPAddress.Parse("127.0.0.23")];
    private static readonly string[] Paths = ["/favicon.svg", "/dist/site.css", "/dist/site.js", "/dist/charts.css", "/dist/charts.js", "/health/live", "/demo-missing-page"];

    public bool IsEnabled => options.Value.Enabled ?? (environment.IsDevelopment() && embedded.Enabled == true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsEnabled)
        {
            return;
        }

        var dns = IPEndPoint.Parse(embedded.DnsListen);
        var cache = IPEndPoint.Parse(embedded.CacheListen);
        using var http = CreateClient();
        var random = new Random();
        LogStarted(logger, dns, options.Value.QueriesPerSecond, options.Value.RequestsPerSecond);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var hostnames = new List<(string Name, bool Cdn)>();
        var refreshAt = DateTimeOffset.MinValue;
        long tick = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (time.GetUtcNow() >= refreshAt)
                {
                    hostnames = await HostnamesAsync(stoppingToken);
                    refreshAt = time.GetUtcNow().AddSeconds(10);
                }

                // A slow swell over ten minutes, so the graphs show a shape rather than a flat line.
                double swell = 1 + 0.6 * Math.Sin(tick++ * 2 * Math.PI / 600);
                var work = new List<Task>();
                foreach (var (name, cdn) in hostnames)
                {
                    for (int q = 0; q < Math.Max(1, (int)Math.Round(options.Value.QueriesPerSecond * swell)); q++)
                    {
                        var visitor = Visitors[random.Next(Visitors.Length)];
                        var resolver = Resolvers[random.Next(Resolvers.Length)];
                        work.Add(QueryAndFetchAsync(http, dns, cache, name, cdn && q < options.Value.RequestsPerSecond * swell, visitor.Subnet, resolver, random.Next(Paths.Length), stoppingToken));
                    }
                }

                await Task.WhenAll(work).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRoundFailed(logger, ex.Message);
            }
        }
    }

    private async Task QueryAndFetchAsync(HttpClient http, IPEndPoint dns, IPEndPoint cache, string hostname, bool fetch, byte[] subnet, IPAddress resolver, int path, CancellationToken cancellationToken)
    {
        var answer = await QueryAsync(dns, resolver, hostname, subnet, cancellationToken).ConfigureAwait(false);
        if (!fetch || answer is null)
        {
            return;
        }

        // The embedded node serves the demo POP servers' addresses itself; otherwise only its own cache listener.
        var target = embedded.ServeDemoServers ? new IPEndPoint(answer, DemoNetworkSeeder.CachePort) : cache;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{target}{Paths[path]}");
        request.Headers.Host = hostname;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            await response.Content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
        }
    }

    /// <summary>One A query with an ECS option (RFC 7871 §6) for <paramref name="subnet"/>/24; returns the first A record.</summary>
    internal static async Task<IPAddress?> QueryAsync(IPEndPoint server, IPAddress from, string hostname, byte[] subnet, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(from, 0));
        var query = BuildQuery((ushort)Random.Shared.Next(ushort.MaxValue), hostname, subnet);
        await socket.SendToAsync(query, SocketFlags.None, server, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[1232];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, server, timeout.Token).ConfigureAwait(false);
            return FirstA(buffer.AsSpan(0, received.ReceivedBytes));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    internal static byte[] BuildQuery(ushort id, string hostname, byte[] subnet)
    {
        var message = new List<byte>(64);
        void U16(int v)
        {
            message.Add((byte)(v >> 8));
            message.Add((byte)v);
        }

        U16(id);
        U16(0); // standard query, no recursion wanted: we are asking the authority
        U16(1);
        U16(0);
        U16(0);
        U16(1);
        foreach (var label in hostname.TrimEnd('.').Split('.'))
        {
            message.Add((byte)label.Length);
            message.AddRange(Encoding.ASCII.GetBytes(label));
        }

        message.Add(0);
        U16(1); // A
        U16(1); // IN
        message.Add(0); // OPT owner: root
        U16(41);
        U16(1232);
        U16(0);
        U16(0);
        U16(4 + 7); // RDLENGTH: one option
        U16(8); // ECS
        U16(7);
        U16(1); // IPv4
        message.Add(24);
        message.Add(0);
        message.AddRange(subnet.AsSpan(0, 3).ToArray());
        return [.. message];
    }

    internal static IPAddress? FirstA(ReadOnlySpan<byte> response)
    {
        if (response.Length < 12)
        {
            return null;
        }

        int answers = BinaryPrimitives.ReadUInt16BigEndian(response[6..]);
        int offset = 12;
        offset = SkipName(response, offset) + 4;
        for (int i = 0; i < answers && offset > 4 && offset < response.Length; i++)
        {
            offset = SkipName(response, offset);
            if (offset < 0 || offset + 10 > response.Length)
            {
                return null;
            }

            int type = BinaryPrimitives.ReadUInt16BigEndian(response[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(response[(offset + 8)..]);
            offset += 10;
            if (type == 1 && length == 4 && offset + 4 <= response.Length)
            {
                return new IPAddress(response.Slice(offset, 4));
            }

            offset += length;
        }

        return null;
    }

    private static int SkipName(ReadOnlySpan<byte> message, int offset)
    {
        while (offset >= 0 && offset < message.Length)
        {
            byte length = message[offset];
            if (length == 0)
            {
                return offset + 1;
            }

            if ((length & 0xC0) == 0xC0)
            {
                return offset + 2;
            }

            offset += length + 1;
        }

        return -1;
    }

    private static HttpClient CreateClient()
    {
        int next = 0;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromSeconds(20),
            ConnectCallback = async (context, cancellationToken) =>
            {
                // Several client addresses, so the cache sees more than one visitor.
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(Clients[Interlocked.Increment(ref next) % Clients.Length], 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    private async Task<List<(string Name, bool Cdn)>> HostnamesAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var rows = await db.Hostnames.AsNoTracking()
            .Where(h => h.Verification == VerificationState.Active)
            .OrderBy(h => h.Name)
            .Select(h => new { h.Name, h.Alias, h.Services })
            .Take(20)
            .ToListAsync(cancellationToken);
        return rows.Select(h => (h.Alias ?? h.Name, h.Services.HasFlag(HostnameServices.Cdn))).ToList();
    }

    [LoggerMessage(EventId = 4701, Level = LogLevel.Information, Message = "Demo traffic generator: DNS queries to {Dns} ({Queries}/s per hostname, ECS subnets of several countries) and {Requests} HTTP requests/s per CDN hostname through the embedded edge")]
    private static partial void LogStarted(ILogger logger, IPEndPoint dns, int queries, int requests);

    [LoggerMessage(EventId = 4702, Level = LogLevel.Debug, Message = "Demo traffic round failed: {Error}")]
    private static partial void LogRoundFailed(ILogger logger, string error);
}
