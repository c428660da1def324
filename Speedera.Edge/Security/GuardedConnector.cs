using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Speedera.Core.Configuration;
using Speedera.Core.Security;
using Speedera.Edge.Probe;

namespace Speedera.Edge.Security;

/// <summary>Resolves a customer-given host name to addresses; tests map names to the addresses they need.</summary>
public delegate ValueTask<IPAddress[]> TargetResolver(string host, CancellationToken cancellationToken);

/// <summary>Dials one address the guard allowed; tests record the endpoint instead of dialling.</summary>
public delegate ValueTask<Socket> ConnectHook(IPEndPoint endpoint, CancellationToken cancellationToken);

/// <summary>A connection the <see cref="NetworkTargetGuard"/> refused; no packet was sent to the target.</summary>
public sealed class TargetRefusedException(string host, string reason) : IOException($"Connection to {host} refused by the target guard: {reason}")
{
    public string Host { get; } = host;

    public string Reason { get; } = reason;
}

/// <summary>
/// The connect hook every connection to a customer-given target goes through: service probes (HTTP, HTTPS, FTP, TCP,
/// LOADP), cache fills from origins, and later page checks and webhooks. It resolves the name, checks every address with
/// the <see cref="NetworkTargetGuard"/> of the configuration in force, and dials only allowed addresses, so a name that
/// resolves to a private or internal address (DNS rebinding included) is refused where the connection is made.
/// </summary>
public sealed partial class GuardedConnector
{
    private readonly Func<NetworkTargetGuard> _guard;
    private readonly TargetResolver _resolver;
    private readonly SocketFactory _sockets;
    private readonly ConnectHook _dial;
    private readonly ILogger _logger;

    /// <param name="dial">How an allowed address is dialled; default: a socket from <paramref name="sockets"/>, connected.</param>
    public GuardedConnector(Func<NetworkTargetGuard> guard, TargetResolver? resolver = null, SocketFactory? sockets = null, ILogger? logger = null, ConnectHook? dial = null)
    {
        _guard = guard;
        _dial = dial ?? DialAsync;
        _resolver = resolver ?? new TargetResolver(static (host, ct) => new ValueTask<IPAddress[]>(System.Net.Dns.GetHostAddressesAsync(host, ct)));
        _sockets = sockets ?? SocketFactories.Default;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The guard in force now (the configuration may change between calls).</summary>
    public NetworkTargetGuard Guard => _guard();

    /// <summary>For <see cref="SocketsHttpHandler.ConnectCallback"/>.</summary>
    public async ValueTask<Stream> ConnectStreamAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = await ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
        return new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects a TCP socket to an allowed address of <paramref name="host"/>; throws <see cref="TargetRefusedException"/> when none is.</summary>
    public async ValueTask<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAllowedAsync(host, cancellationToken).ConfigureAwait(false);
        Exception? last = null;
        foreach (var address in addresses)
        {
            try
            {
                return await _dial(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                last = ex;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    private async ValueTask<Socket> DialAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var socket = _sockets(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The addresses of <paramref name="host"/> the guard allows, in resolver order; refused ones are logged and skipped.</summary>
    public async ValueTask<IReadOnlyList<IPAddress>> ResolveAllowedAsync(string host, CancellationToken cancellationToken)
    {
        var bare = host.Trim('[', ']');
        var addresses = IPAddress.TryParse(bare, out var literal)
            ? [literal]
            : await _resolver(bare, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        var guard = _guard();
        var allowed = new List<IPAddress>(addresses.Length);
        string? refusal = null;
        foreach (var address in addresses)
        {
            var decision = guard.Check(address);
            if (decision.Allowed)
            {
                allowed.Add(address);
                continue;
            }

            LogRefused(_logger, host, address.ToString(), decision.Reason!);
            refusal ??= literal is null ? $"{bare} resolves to {decision.Reason}" : decision.Reason;
        }

        if (allowed.Count == 0)
        {
            throw new TargetRefusedException(bare, refusal!);
        }

        return allowed;
    }

    /// <summary>True when <paramref name="exception"/> or one of its inner exceptions is a guard refusal.</summary>
    public static bool IsRefusal(Exception exception, out TargetRefusedException? refusal)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TargetRefusedException r)
            {
                refusal = r;
                return true;
            }
        }

        refusal = null;
        return false;
    }

    [LoggerMessage(7001, LogLevel.Warning, "Connection to customer target {Host} ({Address}) refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string host, string address, string reason);
}

/// <summary>One <see cref="NetworkTargetGuard"/> per configuration version, built when the version changes.</summary>
public sealed class TargetGuardSource(Func<NetworkConfiguration?> configuration)
{
    // One immutable pair swapped by reference, so a reader never sees one version's document with another's guard.
    private sealed record Entry(NetworkConfiguration? Configuration, NetworkTargetGuard Guard);

    private volatile Entry _last = new(null, NetworkTargetGuard.Strict);

    public NetworkTargetGuard Current
    {
        get
        {
            var c = configuration();
            var last = _last;
            if (ReferenceEquals(c, last.Configuration))
            {
                return last.Guard;
            }

            var entry = new Entry(c, NetworkTargetGuard.For(c));
            _last = entry;
            return entry.Guard;
        }
    }
}
