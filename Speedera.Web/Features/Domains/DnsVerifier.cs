using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Dns;

namespace Speedera.Web.Features.Domains;

/// <summary>What a verification lookup found; <see cref="Transient"/> when the resolver did not answer.</summary>
public sealed record VerificationOutcome(bool Verified, string Reason, bool Transient = false);

public interface IDnsVerifier
{
    /// <summary>Checks that <paramref name="name"/> is CNAMEd to <paramref name="alias"/> or delegated to <paramref name="nameServers"/>.</summary>
    Task<VerificationOutcome> VerifyAsync(string name, string alias, IReadOnlyList<string> nameServers, CancellationToken cancellationToken);
}

/// <summary>Settings under <c>Speedera:Verification</c>.</summary>
public sealed class VerificationOptions
{
    public const string Section = "Speedera:Verification";

    /// <summary>The recursive resolver asked (host:port). Empty: the first nameserver in /etc/resolv.conf.</summary>
    public string? Resolver { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often pending and failed hostnames are checked again in the background.</summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Verifies a customer's DNS records with real lookups (UDP, retried over TCP when truncated).</summary>
public sealed class DnsVerifier(IOptions<VerificationOptions> options) : IDnsVerifier
{
    public async Task<VerificationOutcome> VerifyAsync(string name, string alias, IReadOnlyList<string> nameServers, CancellationToken cancellationToken)
    {
        var resolver = ResolverEndPoint();
        if (resolver is null)
        {
            return new VerificationOutcome(false, "No DNS resolver is configured (Speedera:Verification:Resolver) and /etc/resolv.conf names none.", Transient: true);
        }

        var cname = await LookupAsync(resolver, name, DnsRecordType.CNAME, cancellationToken);
        if (cname.Error is not null)
        {
            return new VerificationOutcome(false, cname.Error, Transient: true);
        }

        var expectedAlias = alias.TrimEnd('.') + ".";
        var cnames = cname.Records.Where(r => r.Type == DnsRecordType.CNAME && SameName(r.Name, name)).Select(r => r.Data).ToList();
        if (cnames.Any(c => SameName(c, expectedAlias)))
        {
            return new VerificationOutcome(true, $"{name} is a CNAME for {alias}.");
        }

        var ns = await LookupAsync(resolver, name, DnsRecordType.NS, cancellationToken);
        if (ns.Error is not null)
        {
            return new VerificationOutcome(false, ns.Error, Transient: true);
        }

        var delegatedTo = ns.Records.Where(r => r.Type == DnsRecordType.NS && SameName(r.Name, name)).Select(r => r.Data.TrimEnd('.')).ToList();
        if (delegatedTo.Count > 0 && delegatedTo.All(d => nameServers.Any(n => SameName(n, d))))
        {
            return new VerificationOutcome(true, $"{name} is delegated to {string.Join(", ", delegatedTo)}.");
        }

        if (cnames.Count > 0)
        {
            return new VerificationOutcome(false, $"{name} is a CNAME for {string.Join(", ", cnames.Select(c => c.TrimEnd('.')))}, not for {alias}.");
        }

        if (delegatedTo.Count > 0)
        {
            return new VerificationOutcome(false, $"{name} is delegated to {string.Join(", ", delegatedTo)}, not to {string.Join(" and ", nameServers)}.");
        }

        return cname.Rcode == 3
            ? new VerificationOutcome(false, $"{name} does not exist in DNS yet (NXDOMAIN). Create the CNAME record shown below.")
            : new VerificationOutcome(false, $"{name} has no CNAME or NS record pointing to us yet.");
    }

    private IPEndPoint? ResolverEndPoint()
    {
        var configured = options.Value.Resolver;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return IPEndPoint.TryParse(configured, out var ep) ? (ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep) : null;
        }

        try
        {
            foreach (var line in File.ReadLines("/etc/resolv.conf"))
            {
                var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts is ["nameserver", var address, ..] && IPAddress.TryParse(address, out var ip))
                {
                    return new IPEndPoint(ip, 53);
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    private async Task<(int Rcode, List<DnsAnswer> Records, string? Error)> LookupAsync(IPEndPoint resolver, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue);
        var query = new byte[512];
        var length = DnsLookupMessage.WriteQuery(query, id, name, type);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            using var udp = new UdpClient(resolver.AddressFamily);
            udp.Connect(resolver);
            await udp.SendAsync(query.AsMemory(0, length), timeout.Token);
            while (true)
            {
                var response = await udp.ReceiveAsync(timeout.Token);
                if (!DnsLookupMessage.TryRead(response.Buffer, id, out var rcode, out var records))
                {
                    continue;
                }

                if ((response.Buffer[2] & 0x02) != 0)
                {
                    return await LookupTcpAsync(resolver, query.AsMemory(0, length), id, timeout.Token);
                }

                return rcode is 0 or 3 ? (rcode, records, null) : (rcode, records, $"The resolver {resolver} answered {RcodeName(rcode)} for {name}; try again later.");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (-1, [], $"The resolver {resolver} did not answer within {options.Value.Timeout.TotalSeconds:0} s; the check will run again.");
        }
        catch (SocketException ex)
        {
            return (-1, [], $"Could not reach the resolver {resolver}: {ex.Message}");
        }
    }

    private static async Task<(int, List<DnsAnswer>, string?)> LookupTcpAsync(IPEndPoint resolver, ReadOnlyMemory<byte> query, ushort id, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient(resolver.AddressFamily);
        await tcp.ConnectAsync(resolver, cancellationToken);
        var stream = tcp.GetStream();
        var prefix = new byte[2];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)query.Length);
        await stream.WriteAsync(prefix, cancellationToken);
        await stream.WriteAsync(query, cancellationToken);
        await stream.ReadExactlyAsync(prefix, cancellationToken);
        var response = new byte[System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        await stream.ReadExactlyAsync(response, cancellationToken);
        return DnsLookupMessage.TryRead(response, id, out var rcode, out var records)
            ? (rcode, records, rcode is 0 or 3 ? null : $"The resolver answered {RcodeName(rcode)}.")
            : (-1, [], "The resolver sent a malformed answer.");
    }

    private static string RcodeName(int rcode) => rcode switch
    {
        1 => "FORMERR",
        2 => "SERVFAIL",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => $"RCODE {rcode}",
    };

    private static bool SameName(string a, string b) =>
        string.Equals(a.TrimEnd('.'), b.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
}

/// <summary>Re-checks pending and failed hostnames on a schedule, so customers need not press the button.</summary>
public sealed partial class VerificationScheduler(
    IServiceScopeFactory scopes,
    IOptions<VerificationOptions> options,
    TimeProvider time,
    ILogger<VerificationScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RecheckInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RecheckAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    internal async Task<int> RecheckAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Data.SpeederaDbContext>();
        var domains = scope.ServiceProvider.GetRequiredService<DomainService>();
        var due = await db.Hostnames
            .Where(h => h.Kind == Data.HostnameKind.CustomerOwned && h.Verification != Data.VerificationState.Active)
            .OrderBy(h => h.VerifiedAt)
            .Take(100)
            .ToListAsync(cancellationToken);
        foreach (var hostname in due)
        {
            await domains.VerifyEntityAsync(hostname, "system (scheduled verification)", cancellationToken);
        }

        return due.Count;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Scheduled DNS verification failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
