using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Speedera.Core.Security;
using Speedera.Edge.Security;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>Where a request's connection goes: the URL's own host, or a pinned address (the POP's cache) with the URL's Host header.</summary>
internal sealed record ConnectTarget(string Scheme, string Host, int Port, string HostHeader, IPEndPoint? Pinned)
{
    public string Key => $"{Scheme}://{Host}:{Port}|{HostHeader}|{Pinned}";
}

/// <summary>A connected socket and when each step of getting it happened (ticks of the agent's clock).</summary>
internal sealed record OpenedSocket(Socket Socket, long? DnsStart, long? DnsEnd, long ConnectStart, long ConnectEnd, IPEndPoint Remote);

/// <summary>
/// Connects the agent to customer-given hosts: resolves with a per-view cache (a cold resolver in the first view),
/// checks every address with the <see cref="NetworkTargetGuard"/> in force and dials only allowed ones, timing each
/// step. Pinned targets are our own POP cache, chosen by the agent from the network configuration, never by a URL.
/// </summary>
internal sealed partial class PageTargetConnector(
    Func<NetworkTargetGuard> guard,
    PageCheckAgentOptions options,
    TimeProvider time,
    ILogger logger)
{
    private readonly TargetResolver _resolver = options.Resolver ?? new TargetResolver(static (host, ct) => new ValueTask<IPAddress[]>(System.Net.Dns.GetHostAddressesAsync(host, ct)));
    private readonly SocketFactory _sockets = options.Sockets ?? SocketFactories.Default;

    public TimeProvider Time => time;

    /// <summary>True when a guard decision (or the test allow list) lets <paramref name="address"/> through.</summary>
    public TargetDecision Check(IPAddress address)
    {
        var decision = guard().Check(address);
        if (!decision.Allowed && options.TestAllowedNetworks.Any(n => n.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address)))
        {
            return TargetDecision.Allow(decision.Category);
        }

        return decision;
    }

    /// <summary>The addresses of a name, as the agent's resolver gives them (for the full-render guard).</summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        await _resolver(host, cancellationToken).ConfigureAwait(false);

    public async Task<OpenedSocket> OpenAsync(ConnectTarget target, ResolverCache resolved, CancellationToken cancellationToken)
    {
        if (target.Pinned is { } pinned)
        {
            var start = time.GetTimestamp();
            var pinnedSocket = await DialAsync(pinned, cancellationToken).ConfigureAwait(false);
            return new OpenedSocket(pinnedSocket, null, null, start, time.GetTimestamp(), pinned);
        }

        var host = target.Host.Trim('[', ']');
        long? dnsStart = null, dnsEnd = null;
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            dnsStart = time.GetTimestamp();
            addresses = await resolved.GetOrResolveAsync(host, _resolver, cancellationToken).ConfigureAwait(false);
            dnsEnd = time.GetTimestamp();
        }

        string? refusal = null;
        Exception? last = null;
        foreach (var address in addresses)
        {
            var decision = Check(address);
            if (!decision.Allowed)
            {
                LogRefused(logger, host, address.ToString(), decision.Reason!);
                refusal ??= literal is null ? $"{host} resolves to {decision.Reason}" : decision.Reason;
                continue;
            }

            var connectStart = time.GetTimestamp();
            try
            {
                var endpoint = new IPEndPoint(address, target.Port);
                var socket = await DialAsync(endpoint, cancellationToken).ConfigureAwait(false);
                return new OpenedSocket(socket, dnsStart, dnsEnd, connectStart, time.GetTimestamp(), endpoint);
            }
            catch (SocketException ex)
            {
                last = ex;
            }
        }

        if (last is not null)
        {
            throw last;
        }

        throw refusal is not null ? new TargetRefusedException(host, refusal) : new SocketException((int)SocketError.HostNotFound);
    }

    private async Task<Socket> DialAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        if (options.Dial is { } dial)
        {
            return await dial(endpoint, cancellationToken).ConfigureAwait(false);
        }

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

    [LoggerMessage(7101, LogLevel.Warning, "Page check: connection to {Host} ({Address}) refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string host, string address, string reason);
}

/// <summary>The resolver cache of one view: empty for the first view (cold), kept for the repeat view (warm).</summary>
internal sealed class ResolverCache
{
    private readonly Dictionary<string, Task<IPAddress[]>> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    public Task<IPAddress[]> GetOrResolveAsync(string host, TargetResolver resolver, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(host, out var task) || task.IsFaulted || task.IsCanceled)
            {
                task = resolver(host, cancellationToken).AsTask();
                _entries[host] = task;
            }

            return task;
        }
    }
}
