using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Configuration;
using Speedera.Edge.Hosting;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Edge;

/// <summary>Settings under <c>Speedera:EmbeddedEdge</c>.</summary>
public sealed class EmbeddedEdgeOptions
{
    public const string Section = "Speedera:EmbeddedEdge";

    /// <summary>Run an edge node inside the portal; defaults to on in Development only.</summary>
    public bool? Enabled { get; set; }

    public string NodeId { get; set; } = "embedded";

    /// <summary>POP the node is enrolled in; the first POP when empty.</summary>
    public string? PopId { get; set; }

    public string DnsListen { get; set; } = "127.0.0.1:8053";

    public string CacheListen { get; set; } = "127.0.0.1:8080";

    public string MetricsListen { get; set; } = "127.0.0.1:9100";

    public string LoadPListen { get; set; } = "127.0.0.1:9200";

    /// <summary>
    /// Also serve as the demo POP servers on their own loopback addresses (127.0.0.11:8080 ...). Off
    /// for a second portal on the same machine (tests), which would otherwise take those ports.
    /// </summary>
    public bool ServeDemoServers { get; set; } = true;
}

/// <summary>
/// In Development the portal runs an edge node with every role this build has, on loopback,
/// talking to this very portal through the edge API over HTTP (no shortcut), with a node key
/// issued at each start.
/// </summary>
internal sealed partial class EmbeddedEdgeNode(
    IServiceScopeFactory scopes,
    IServer server,
    IHostApplicationLifetime lifetime,
    EmbeddedEdgeOptions embedded,
    ConfigurationSigningKey signingKey,
    IOptions<SpeederaOptions> speedera,
    IWebHostEnvironment environment,
    ILoggerFactory loggerFactory,
    ILogger<EmbeddedEdgeNode> logger) : IHostedService, IAsyncDisposable
{
    private IHost? _edge;
    private CancellationTokenRegistration _started;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Off the callback thread: starting roles must not hold up the portal's own ApplicationStarted callbacks.
        _started = lifetime.ApplicationStarted.Register(() => _ = Task.Run(StartEdgeAsync));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _started.DisposeAsync();
        if (_edge is not null)
        {
            await _edge.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _edge?.Dispose();
        await _started.DisposeAsync();
    }

    internal static async Task EnsureEnrolledAsync(IServiceProvider services, EmbeddedEdgeOptions embedded, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<SpeederaDbContext>();
        if (await db.EdgeNodes.AnyAsync(n => n.Id == embedded.NodeId, cancellationToken))
        {
            return;
        }

        var popId = embedded.PopId ?? await db.Pops.OrderBy(p => p.Id).Select(p => p.Id).FirstOrDefaultAsync(cancellationToken);
        if (popId is null)
        {
            return;
        }

        await services.GetRequiredService<EdgeNodeService>().EnrollAsync(
            embedded.NodeId, popId, NodeRoles.Dns | NodeRoles.Probe | NodeRoles.Cache | NodeRoles.LoadP,
            embedded.DnsListen, embedded.MetricsListen, embedded.CacheListen, embedded.LoadPListen, cancellationToken);
    }

    private async Task StartEdgeAsync()
    {
        try
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses
                .Select(a => new Uri(a.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)))
                .OrderBy(u => u.Scheme == "http" ? 0 : 1)
                .FirstOrDefault();
            if (address is null)
            {
                LogNoAddress(logger);
                return;
            }

            string key;
            List<IPEndPoint> serverEndpoints;
            using (var scope = scopes.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
                if (!await db.EdgeNodes.AnyAsync(n => n.Id == embedded.NodeId, lifetime.ApplicationStopping))
                {
                    LogNotEnrolled(logger, embedded.NodeId);
                    return;
                }

                var nodes = scope.ServiceProvider.GetRequiredService<EdgeNodeService>();
                foreach (var old in await db.EdgeNodeKeys.Where(k => k.NodeId == embedded.NodeId && k.RevokedAt == null).Select(k => k.Id).ToListAsync(lifetime.ApplicationStopping))
                {
                    await nodes.RevokeKeyAsync(old, "embedded node restart", lifetime.ApplicationStopping);
                }

                key = (await nodes.IssueKeyAsync(embedded.NodeId, "embedded node", lifetime.ApplicationStopping)).Key;

                // The demo network's servers live on loopback addresses: this one node serves as each of them.
                var services = await db.ServerServices.AsNoTracking()
                    .Where(x => x.Type == ServiceType.Http && x.Server!.Enabled)
                    .Select(x => new { x.Server!.Address, x.Port })
                    .ToListAsync(lifetime.ApplicationStopping);
                serverEndpoints = embedded.ServeDemoServers
                    ? [.. services.Select(e => IPEndPoint.TryParse($"{e.Address}:{e.Port}", out var ep) ? ep : null).OfType<IPEndPoint>()]
                    : [];
            }

            var dataDirectory = Path.Combine(speedera.Value.ResolveDataDirectory(environment.ContentRootPath), "edge", embedded.NodeId);

            var options = new EdgeOptions
            {
                NodeId = embedded.NodeId,
                Roles = [.. EdgeRoleRegistry.Roles.Keys.Order(StringComparer.Ordinal)],
                ControlPlane = address,
                NodeKey = key,
                PublicKey = signingKey.PublicKeyBase64,
                DataDirectory = dataDirectory,
                ExchangeKey = ExchangeKey(dataDirectory),
                CacheAlsoListen = serverEndpoints,
                DnsListen = IPEndPoint.Parse(embedded.DnsListen),
                CacheListen = IPEndPoint.Parse(embedded.CacheListen),
                MetricsListen = IPEndPoint.Parse(embedded.MetricsListen),
                LoadPListen = IPEndPoint.Parse(embedded.LoadPListen),
            };
            _edge = EdgeNodeHost.Build(options, logging => logging.Services.AddSingleton(loggerFactory));
            await _edge.StartAsync(lifetime.ApplicationStopping);
            LogStarted(logger, embedded.NodeId, address, options.Roles);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFailed(logger, ex);
        }
    }

    /// <summary>The embedded node's metric exchange key: made once, kept in its data directory (never in the repository).</summary>
    private static byte[] ExchangeKey(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "exchange.key");
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        Directory.CreateDirectory(dataDirectory);
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        File.WriteAllText(path, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return key;
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Embedded edge node {NodeId} started against {ControlPlane} with roles [{Roles}]")]
    private static partial void LogStarted(ILogger logger, string nodeId, Uri controlPlane, IReadOnlyList<string> roles);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "Embedded edge node failed to start")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Embedded edge node not started: the portal has no HTTP address")]
    private static partial void LogNoAddress(ILogger logger);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Embedded edge node {NodeId} not started: it could not be enrolled (no POP yet)")]
    private static partial void LogNotEnrolled(ILogger logger, string nodeId);
}
