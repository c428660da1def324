using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Speedera.Web.Features.Domains;

/// <summary>How a name was shown to be under the customer's control.</summary>
public enum VerificationMethod
{
    /// <summary>A CNAME to the claim's own alias: names the claiming organization.</summary>
    Cname,

    /// <summary>A TXT record holding the claim's token: names the claiming organization.</summary>
    Txt,

    /// <summary>NS records pointing to our name servers: proves control, but not which organization asked.</summary>
    Delegation,
}

/// <summary>What a verification lookup found; <see cref="Transient"/> when the resolver did not answer.</summary>
public sealed record VerificationOutcome(bool Verified, string Reason, bool Transient = false, VerificationMethod? Method = null);

public interface IDnsVerifier
{
    /// <summary>
    /// Checks that <paramref name="name"/> is CNAMEd to <paramref name="alias"/>, carries the TXT record
    /// <see cref="DnsVerifier.ChallengeName"/> with <paramref name="challengeToken"/>, or is delegated to <paramref name="nameServers"/>.
    /// </summary>
    Task<VerificationOutcome> VerifyAsync(string name, string alias, IReadOnlyList<string> nameServers, string? challengeToken, CancellationToken cancellationToken);
}

/// <summary>Settings under <c>Speedera:Verification</c>.</summary>
public sealed class VerificationOptions
{
    public const string Section = "Speedera:Verification";

    /// <summary>The recursive resolver asked (host:port). Empty: the first nameserver in /etc/resolv.conf.</summary>
    public string? Resolver { get; set; }

    /// <summary>How long the resolver has to answer one query.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often pending and failed hostnames are checked again in the background.</summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an unverified claim on a customer's own name lives before it ends.</summary>
    public TimeSpan PendingClaimLifetime { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>Verifies a customer's DNS records with real lookups through DnsClient (UDP, TCP when truncated).</summary>
public sealed class DnsVerifier : IDnsVerifier
{
    private const string ChallengePrefix = "_speedera-challenge.";
    private const string ChallengeValuePrefix = "speedera-verification=";

    private readonly VerificationOptions settings;
    private readonly IPEndPoint? resolver;
    private readonly LookupClient? client;

    public DnsVerifier(IOptions<VerificationOptions> options)
    {
        settings = options.Value;
        resolver = ResolverEndPoint(settings.Resolver);
        if (resolver is not null)
        {
            client = new LookupClient(new LookupClientOptions(new NameServer(resolver))
            {
                Timeout = settings.Timeout,
                Retries = 0,
                UseCache = false,
                UseTcpFallback = true,
                ThrowDnsErrors = false,
                ContinueOnDnsError = false,
                ContinueOnEmptyResponse = false,
            });
        }
    }

    /// <summary>The TXT record a customer creates to prove control of <paramref name="name"/> for one organization.</summary>
    public static string ChallengeName(string name) => ChallengePrefix + name;

    public static string ChallengeValue(string token) => ChallengeValuePrefix + token;

    public async Task<VerificationOutcome> VerifyAsync(string name, string alias, IReadOnlyList<string> nameServers, string? challengeToken, CancellationToken cancellationToken)
    {
        if (client is null)
        {
            return new VerificationOutcome(false, "No DNS resolver is configured (Speedera:Verification:Resolver) and /etc/resolv.conf names none.", Transient: true);
        }

        var cname = await QueryAsync(client, name, QueryType.CNAME, cancellationToken);
        if (cname.Error is not null)
        {
            return new VerificationOutcome(false, cname.Error, Transient: true);
        }

        var cnames = cname.Response!.Answers.CnameRecords().Where(r => SameName(r.DomainName.Value, name)).Select(r => r.CanonicalName.Value).ToList();
        if (cnames.Any(c => SameName(c, alias)))
        {
            return new VerificationOutcome(true, $"{name} is a CNAME for {alias}.", Method: VerificationMethod.Cname);
        }

        if (!string.IsNullOrEmpty(challengeToken))
        {
            var challengeName = ChallengeName(name);
            var txt = await QueryAsync(client, challengeName, QueryType.TXT, cancellationToken);
            if (txt.Error is not null)
            {
                return new VerificationOutcome(false, txt.Error, Transient: true);
            }

            var expected = ChallengeValue(challengeToken);
            if (txt.Response!.Answers.TxtRecords().Where(r => SameName(r.DomainName.Value, challengeName)).SelectMany(r => r.Text)
                .Any(text => string.Equals(text.Trim(), expected, StringComparison.Ordinal)))
            {
                return new VerificationOutcome(true, $"{challengeName} holds this organization's token.", Method: VerificationMethod.Txt);
            }
        }

        var ns = await QueryAsync(client, name, QueryType.NS, cancellationToken);
        if (ns.Error is not null)
        {
            return new VerificationOutcome(false, ns.Error, Transient: true);
        }

        // A resolver answers NS in the answer section; an authoritative server shows a delegation in the authority section.
        var delegatedTo = ns.Response!.Answers.NsRecords().Concat(ns.Response.Authorities.NsRecords())
            .Where(r => SameName(r.DomainName.Value, name)).Select(r => r.NSDName.Value.TrimEnd('.')).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (delegatedTo.Count > 0 && delegatedTo.All(d => nameServers.Any(n => SameName(n, d))))
        {
            return new VerificationOutcome(true, $"{name} is delegated to {string.Join(", ", delegatedTo)}.", Method: VerificationMethod.Delegation);
        }

        if (cnames.Count > 0)
        {
            return new VerificationOutcome(false, $"{name} is a CNAME for {string.Join(", ", cnames.Select(c => c.TrimEnd('.')))}, not for {alias}.");
        }

        if (delegatedTo.Count > 0)
        {
            return new VerificationOutcome(false, $"{name} is delegated to {string.Join(", ", delegatedTo)}, not to {string.Join(" and ", nameServers)}.");
        }

        return cname.Response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain
            ? new VerificationOutcome(false, $"{name} does not exist in DNS yet (NXDOMAIN). Create the CNAME record shown below.")
            : new VerificationOutcome(false, $"{name} has no CNAME or NS record pointing to us yet, and no TXT record {ChallengeName(name)} with this organization's token.");
    }

    private static IPEndPoint? ResolverEndPoint(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return IPEndPoint.TryParse(configured, out var ep) ? (ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep) : null;
        }

        // DnsClient reads /etc/resolv.conf (or the platform's equivalent); the first server is the one asked.
        return NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false)
            .Select(n => IPAddress.TryParse(n.Address, out var ip) ? new IPEndPoint(ip, n.Port) : null).FirstOrDefault(ep => ep is not null);
    }

    private async Task<(IDnsQueryResponse? Response, string? Error)> QueryAsync(LookupClient lookup, string name, QueryType type, CancellationToken cancellationToken)
    {
        try
        {
            var response = await lookup.QueryAsync(name, type, QueryClass.IN, cancellationToken);
            var rcode = response.Header.ResponseCode;
            return rcode is DnsHeaderResponseCode.NoError or DnsHeaderResponseCode.NotExistentDomain
                ? (response, null)
                : (response, $"The resolver {resolver} answered {RcodeName((int)rcode)} for {name}; try again later.");
        }
        catch (DnsResponseException ex) when (ex.Code == DnsResponseCode.ConnectionTimeout)
        {
            return (null, $"The resolver {resolver} did not answer within {settings.Timeout.TotalSeconds:0} s; the check will run again.");
        }
        catch (DnsResponseException ex)
        {
            return (null, $"Could not reach the resolver {resolver}: {ex.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"The resolver {resolver} did not answer within {settings.Timeout.TotalSeconds:0} s; the check will run again.");
        }
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

/// <summary>
/// Re-checks pending and failed hostnames on a schedule, so customers need not press the button, and ends
/// claims older than <see cref="VerificationOptions.PendingClaimLifetime"/> first.
/// </summary>
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
        await domains.EndExpiredClaimsAsync(cancellationToken);
        var due = await db.Hostnames
            .Where(h => h.Kind == Data.HostnameKind.CustomerOwned
                && (h.Verification == Data.VerificationState.Pending || h.Verification == Data.VerificationState.Failed))
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
