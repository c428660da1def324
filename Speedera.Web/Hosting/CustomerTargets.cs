using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Security;
using Speedera.Web.Data;

namespace Speedera.Web.Hosting;

/// <summary>Settings under <c>Speedera:Security</c>.</summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// Let customers use private and loopback targets (GTM addresses, origins): the loopback demo network and test
    /// fixtures only, never production. It travels to every edge node in the signed network configuration.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>Addresses of the control plane (and anything else of ours the database does not list), refused as customer targets.</summary>
    public List<string> InfrastructureAddresses { get; set; } = [];
}

/// <summary>
/// Checks the network targets customers give us when they are saved: GTM addresses, CDN origins, and later page-check
/// and webhook URLs. Every customer-given target goes through here (and through <c>GuardedConnector</c> on the edge at
/// connect time); both apply the one <see cref="NetworkTargetGuard"/>, with our own servers, nodes and control plane as
/// infrastructure.
/// </summary>
public sealed class CustomerTargets(SpeederaDbContext db, IOptions<SpeederaOptions> options)
{
    /// <summary>Name suffixes that never lead to the public internet (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal).</summary>
    private static readonly string[] SpecialUseSuffixes = ["localhost", "local", "internal", "home.arpa", "invalid", "localdomain"];

    public async Task<NetworkTargetGuard> GuardAsync(CancellationToken cancellationToken)
    {
        var security = options.Value.Security;
        var addresses = new List<IPAddress>();
        foreach (var text in await db.Servers.AsNoTracking().Select(s => s.Address).ToListAsync(cancellationToken))
        {
            AddParsed(addresses, text);
        }

        foreach (var node in await db.EdgeNodes.AsNoTracking().ToListAsync(cancellationToken))
        {
            AddParsed(addresses, node.DnsEndpoint);
            AddParsed(addresses, node.MetricsEndpoint);
            AddParsed(addresses, node.CacheEndpoint);
            AddParsed(addresses, node.LoadPEndpoint);
        }

        foreach (var text in security.InfrastructureAddresses.Concat(options.Value.NameServerFallbackAddresses))
        {
            AddParsed(addresses, text);
        }

        return new NetworkTargetGuard(security.AllowPrivateTargets, addresses);
    }

    /// <summary>Why an IP address may not be a customer target, or null when it may.</summary>
    public static string? AddressProblem(NetworkTargetGuard guard, IPAddress address) =>
        guard.Check(address) is { Allowed: false } refused
            ? $"{refused.Reason} Enter an address on the public internet."
            : null;

    /// <summary>Why a host (IP literal or name) may not be a customer target; names are checked again where they are resolved.</summary>
    public static string? HostProblem(NetworkTargetGuard guard, string host)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return AddressProblem(guard, address);
        }

        if (!guard.AllowPrivateTargets && SpecialUseSuffixes.Any(s => host == s || host.EndsWith("." + s, StringComparison.Ordinal)))
        {
            return $"{host} is a special-use name that does not lead to the public internet. Enter a public hostname.";
        }

        return null;
    }

    private static void AddParsed(List<IPAddress> into, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        if (IPAddress.TryParse(text, out var ip))
        {
            into.Add(ip);
        }
        else if (IPEndPoint.TryParse(text, out var ep))
        {
            into.Add(ep.Address);
        }
    }
}

internal static partial class SecurityLog
{
    [LoggerMessage(1301, LogLevel.Warning, "Speedera:Security:AllowPrivateTargets is on: customers may use loopback and private addresses as GTM addresses and origins, and edge nodes will contact them. Use it for the demo network and tests only, never in production.")]
    public static partial void PrivateTargetsAllowed(ILogger logger);
}
