using System.Net;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Configuration;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Domains;

/// <summary>
/// Every change a customer makes to their hostnames, for the pages and the REST API alike. Each
/// call is scoped to one organization: another organization's hostname is simply not found.
/// A change is saved and published in one transaction: if the network it produces is invalid,
/// nothing is kept.
/// </summary>
public sealed class DomainService(
    SpeederaDbContext db,
    ConfigurationPublisher publisher,
    IDnsVerifier verifier,
    IOptions<SpeederaOptions> options,
    IOptions<VerificationOptions> verification,
    TimeProvider time,
    CustomerTargets targets)
{
    public const int MaxAddresses = 32;

    private string ServiceZone => options.Value.ServiceZone;

    public Task<List<HostnameEntity>> ListAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        db.Hostnames.AsNoTracking().Include(h => h.Addresses)
            .Where(h => h.OrganizationId == organizationId)
            .OrderBy(h => h.Name)
            .ToListAsync(cancellationToken);

    public Task<HostnameEntity?> FindAsync(Guid organizationId, Guid id, CancellationToken cancellationToken = default) =>
        db.Hostnames.AsNoTracking().Include(h => h.Addresses)
            .SingleOrDefaultAsync(h => h.Id == id && h.OrganizationId == organizationId, cancellationToken);

    public async Task<DomainResult> AddAsync(Guid organizationId, AddDomainInput input, string author, CancellationToken cancellationToken = default)
    {
        var raw = input.Name?.Trim() ?? "";
        if (input.Kind == HostnameKind.ServiceZone && raw.Length > 0 && !raw.Contains('.', StringComparison.Ordinal))
        {
            raw = $"{raw}.{ServiceZone}";
        }

        if (!HostnameRules.TryNormalize(raw, out var name, out var error))
        {
            return DomainResult.Invalid(nameof(AddDomainInput.Name), error!);
        }

        if (input.Kind == HostnameKind.ServiceZone && HostnameRules.ServiceZoneProblem(name, ServiceZone) is { } zoneProblem)
        {
            return DomainResult.Invalid(nameof(AddDomainInput.Name), zoneProblem);
        }

        if (input.Kind == HostnameKind.CustomerOwned && (name == ServiceZone || HostnameRules.IsUnder(name, ServiceZone)))
        {
            return DomainResult.Invalid(nameof(AddDomainInput.Name), $"Names under {ServiceZone} are ours to hand out: choose \"A name under {ServiceZone}\" instead.");
        }

        if (!input.Cdn && !input.Gtm)
        {
            return DomainResult.Invalid(nameof(AddDomainInput.Gtm), "Choose CDN, traffic management (GTM), or both.");
        }

        if (input.Cdn && input.Gtm)
        {
            return DomainResult.Invalid(nameof(AddDomainInput.Gtm), CdnAndGtmMessage);
        }

        string? origin = null;
        if (input.Cdn)
        {
            if (!TryOrigin(input.Origin, out origin, out var originError) ||
                (originError = CustomerTargets.HostProblem(await targets.GuardAsync(cancellationToken), origin!)) is not null)
            {
                return DomainResult.Invalid(nameof(AddDomainInput.Origin), originError!);
            }
        }

        // Names in our zone need no proof, so the first to ask gets them. A customer's own name is held only
        // once verified: until then any organization may claim it too, and the first to prove control wins.
        if (await db.Hostnames.AnyAsync(
                h => (h.Name == name && (input.Kind == HostnameKind.ServiceZone || h.Verification == VerificationState.Active)) || h.Alias == name,
                cancellationToken))
        {
            return DomainResult.Invalid(nameof(AddDomainInput.Name), $"{name} is already registered.");
        }

        if (await db.Hostnames.AnyAsync(
                h => h.Name == name && h.OrganizationId == organizationId && h.Verification != VerificationState.Ended, cancellationToken))
        {
            return DomainResult.Invalid(nameof(AddDomainInput.Name), $"Your organization already has a claim on {name}: verify that one.");
        }

        var alias = input.Kind == HostnameKind.CustomerOwned ? HostnameRules.AliasFor(name, ServiceZone) : null;
        if (alias is not null && await db.Hostnames.AnyAsync(h => h.Name == alias || h.Alias == alias, cancellationToken))
        {
            alias = HostnameRules.AliasFor(name + "#" + Guid.NewGuid().ToString("N"), ServiceZone);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var hostname = new HostnameEntity
        {
            Id = Guid.NewGuid(),
            OrganizationId = organizationId,
            Name = name,
            Kind = input.Kind,
            Alias = alias,
            Services = (input.Cdn ? HostnameServices.Cdn : HostnameServices.None) | (input.Gtm ? HostnameServices.Gtm : HostnameServices.None),
            Verification = input.Kind == HostnameKind.ServiceZone ? VerificationState.Active : VerificationState.Pending,
            VerifiedAt = input.Kind == HostnameKind.ServiceZone ? now : null,
            ChallengeToken = input.Kind == HostnameKind.CustomerOwned ? RandomNumberGenerator.GetHexString(32, lowercase: true) : "",
            Origin = origin,
            OriginHostHeader = input.Cdn ? origin : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Hostnames.Add(hostname);
        return await SaveAndPublishAsync(author, hostname.Id, cancellationToken);
    }

    public async Task<DomainResult> DeleteAsync(Guid organizationId, Guid id, string author, CancellationToken cancellationToken = default)
    {
        var hostname = await db.Hostnames.SingleOrDefaultAsync(h => h.Id == id && h.OrganizationId == organizationId, cancellationToken);
        if (hostname is null)
        {
            return DomainResult.Missing;
        }

        db.Hostnames.Remove(hostname);
        return await SaveAndPublishAsync(author, null, cancellationToken);
    }

    /// <summary>Checks the customer's DNS records now with a real lookup and records the outcome.</summary>
    public async Task<DomainResult> VerifyAsync(Guid organizationId, Guid id, string author, CancellationToken cancellationToken = default)
    {
        var hostname = await db.Hostnames.SingleOrDefaultAsync(h => h.Id == id && h.OrganizationId == organizationId, cancellationToken);
        if (hostname is null)
        {
            return DomainResult.Missing;
        }

        return await VerifyEntityAsync(hostname, author, cancellationToken);
    }

    internal async Task<DomainResult> VerifyEntityAsync(HostnameEntity hostname, string author, CancellationToken cancellationToken)
    {
        if (hostname.Kind == HostnameKind.ServiceZone || hostname.Verification == VerificationState.Ended)
        {
            return DomainResult.Ok(null, hostname.Id);
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (hostname.Verification != VerificationState.Active)
        {
            if (ClaimExpiry(hostname) <= now)
            {
                EndExpired(hostname, now);
                return await SaveOnlyAsync(hostname.Id, cancellationToken);
            }

            var winner = await db.Hostnames.AsNoTracking()
                .Where(h => h.Name == hostname.Name && h.Id != hostname.Id && h.Verification == VerificationState.Active)
                .Select(h => new { h.VerifiedAt }).FirstOrDefaultAsync(cancellationToken);
            if (winner is not null)
            {
                End(hostname, VerifiedElsewhere(hostname.Name, winner.VerifiedAt ?? now), now);
                return await SaveOnlyAsync(hostname.Id, cancellationToken);
            }
        }

        var outcome = await verifier.VerifyAsync(hostname.Name, hostname.Alias!, NameServers(), hostname.ChallengeToken, cancellationToken);
        var rivals = hostname.Verification == VerificationState.Active
            ? []
            : await db.Hostnames
                .Where(h => h.Name == hostname.Name && h.Id != hostname.Id && (h.Verification == VerificationState.Pending || h.Verification == VerificationState.Failed))
                .ToListAsync(cancellationToken);
        if (outcome is { Verified: true, Method: VerificationMethod.Delegation } && rivals.Count > 0)
        {
            // Our name servers answer for every claimant alike, so a delegation cannot pick one of several.
            outcome = new VerificationOutcome(false,
                $"{hostname.Name} is delegated to us, but {rivals.Count + 1} organizations claim it and a delegation does not show whose claim it proves: " +
                $"add the CNAME to {hostname.Alias} or the TXT record {DnsVerifier.ChallengeName(hostname.Name)} shown below.");
        }

        var before = hostname.Verification;
        hostname.Verification = outcome.Verified ? VerificationState.Active : (before == VerificationState.Pending && outcome.Transient ? VerificationState.Pending : VerificationState.Failed);
        hostname.VerificationError = outcome.Verified ? null : outcome.Reason;
        hostname.VerifiedAt = now;
        hostname.UpdatedAt = now;
        if (outcome.Verified)
        {
            foreach (var rival in rivals)
            {
                End(rival, VerifiedElsewhere(hostname.Name, now), now);
            }
        }

        return before == VerificationState.Active == outcome.Verified
            ? await SaveOnlyAsync(hostname.Id, cancellationToken)
            : await SaveAndPublishAsync(author, hostname.Id, cancellationToken);
    }

    /// <summary>When an unverified claim on a customer's own name ends by itself.</summary>
    public DateTime ClaimExpiry(HostnameEntity hostname) => hostname.CreatedAt + verification.Value.PendingClaimLifetime;

    /// <summary>Ends every unverified claim older than the configured lifetime; returns how many.</summary>
    internal async Task<int> EndExpiredClaimsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var createdBefore = now - verification.Value.PendingClaimLifetime;
        var expired = await db.Hostnames
            .Where(h => h.Kind == HostnameKind.CustomerOwned
                && (h.Verification == VerificationState.Pending || h.Verification == VerificationState.Failed)
                && h.CreatedAt <= createdBefore)
            .ToListAsync(cancellationToken);
        foreach (var hostname in expired)
        {
            EndExpired(hostname, now);
        }

        // Unverified names are not in the published network, so ending them changes nothing there.
        await db.SaveChangesAsync(cancellationToken);
        return expired.Count;
    }

    private void EndExpired(HostnameEntity hostname, DateTime now) =>
        End(hostname, $"The claim on {hostname.Name} expired on {ClaimExpiry(hostname):yyyy-MM-dd HH:mm} UTC without being verified. Delete it and add the name again to start over.", now);

    private static string VerifiedElsewhere(string name, DateTime at) =>
        $"{name} was verified by another organization on {at:yyyy-MM-dd HH:mm} UTC. This claim has ended; if the name is yours, " +
        "change its DNS records and contact support.";

    private static void End(HostnameEntity hostname, string reason, DateTime now)
    {
        hostname.Verification = VerificationState.Ended;
        hostname.VerificationError = reason;
        hostname.UpdatedAt = now;
    }

    /// <summary>The POPs a GTM address can be placed in, by name.</summary>
    public async Task<IReadOnlyList<PopEntity>> PopsAsync(CancellationToken cancellationToken = default) =>
        await db.Pops.AsNoTracking().OrderBy(p => p.Name).ToListAsync(cancellationToken);

    public async Task<DomainResult> UpdateGtmAsync(Guid organizationId, Guid id, GtmSettingsInput input, string author, CancellationToken cancellationToken = default)
    {
        var hostname = await db.Hostnames.Include(h => h.Addresses).SingleOrDefaultAsync(h => h.Id == id && h.OrganizationId == organizationId, cancellationToken);
        if (hostname is null)
        {
            return DomainResult.Missing;
        }

        if (hostname.Services.HasFlag(HostnameServices.Cdn))
        {
            return DomainResult.Invalid(nameof(GtmSettingsInput.Addresses), CdnAndGtmMessage);
        }

        var pops = await db.Pops.Select(p => p.Id).ToListAsync(cancellationToken);
        var edgeAddresses = await db.Servers.Select(s => s.Address).ToListAsync(cancellationToken);
        var errors = ValidateGtm(input, pops, edgeAddresses, await targets.GuardAsync(cancellationToken));
        if (errors.Count > 0)
        {
            return DomainResult.Invalid(errors);
        }

        db.HostnameAddresses.RemoveRange(hostname.Addresses);
        foreach (var a in input.Addresses)
        {
            db.HostnameAddresses.Add(new HostnameAddress
            {
                Id = Guid.NewGuid(),
                HostnameId = hostname.Id,
                Address = IPAddress.Parse(a.Address.Trim()).ToString(),
                Description = string.IsNullOrWhiteSpace(a.Description) ? null : a.Description.Trim(),
                PopId = a.PopId,
                Weight = a.Weight,
                HiddenFailover = a.HiddenFailover,
            });
        }

        hostname.TestType = input.TestType;
        hostname.TestPort = input.TestPort;
        hostname.TestPath = input.TestType is ServiceType.Http or ServiceType.Https ? input.TestPath!.Trim() : null;
        hostname.TestExpectedStatus = input.TestExpectedStatus;
        hostname.TestExpectedContent = string.IsNullOrEmpty(input.TestExpectedContent) ? null : input.TestExpectedContent;
        hostname.TestInterval = TimeSpan.FromSeconds(input.TestIntervalSeconds);
        hostname.TestTimeout = TimeSpan.FromSeconds(input.TestTimeoutSeconds);
        hostname.TtlSeconds = input.TtlSeconds;
        hostname.UseLatency = input.UseLatency;
        hostname.PersistenceEnabled = input.PersistenceEnabled;
        hostname.PersistenceAccessTimeout = TimeSpan.FromSeconds(input.PersistenceAccessTimeoutSeconds);
        hostname.PersistenceRefreshTimeout = TimeSpan.FromSeconds(input.PersistenceRefreshTimeoutSeconds);
        hostname.Services |= HostnameServices.Gtm;
        hostname.UpdatedAt = time.GetUtcNow().UtcDateTime;
        return await SaveAndPublishAsync(author, hostname.Id, cancellationToken);
    }

    public async Task<DomainResult> UpdateCdnAsync(Guid organizationId, Guid id, CdnSettingsInput input, string author, CancellationToken cancellationToken = default)
    {
        var hostname = await db.Hostnames.SingleOrDefaultAsync(h => h.Id == id && h.OrganizationId == organizationId, cancellationToken);
        if (hostname is null)
        {
            return DomainResult.Missing;
        }

        if (hostname.Services.HasFlag(HostnameServices.Gtm))
        {
            return DomainResult.Invalid(nameof(CdnSettingsInput.Origin), CdnAndGtmMessage);
        }

        var errors = new Dictionary<string, string[]>();
        if (!TryOrigin(input.Origin, out var origin, out var originError) ||
            (originError = CustomerTargets.HostProblem(await targets.GuardAsync(cancellationToken), origin!)) is not null)
        {
            errors[nameof(CdnSettingsInput.Origin)] = [originError!];
        }

        if (input.OriginScheme is not ("http" or "https"))
        {
            errors[nameof(CdnSettingsInput.OriginScheme)] = ["The origin scheme must be http or https."];
        }

        if (input.OriginPort is < Limits.MinPort or > Limits.MaxPort)
        {
            errors[nameof(CdnSettingsInput.OriginPort)] = [$"The origin port must be between {Limits.MinPort} and {Limits.MaxPort}."];
        }

        string? hostHeader = null;
        if (!string.IsNullOrWhiteSpace(input.OriginHostHeader))
        {
            // RFC 9110 section 7.2: Host may be an IP literal, and AddAsync defaults it to the origin, which is often an address.
            if (Syntax.TryParseAddress(input.OriginHostHeader.Trim().Trim('[', ']'), out var literal))
            {
                hostHeader = literal.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{literal}]" : literal.ToString();
            }
            else if (!HostnameRules.TryNormalize(input.OriginHostHeader, out var header, out var headerError))
            {
                errors[nameof(CdnSettingsInput.OriginHostHeader)] = [headerError!];
            }
            else
            {
                hostHeader = header;
            }
        }

        if (input.DefaultTtlSeconds < 0 || input.DefaultTtlSeconds > Limits.MaxSeconds(Limits.MaxCacheTtl))
        {
            errors[nameof(CdnSettingsInput.DefaultTtlSeconds)] = [$"The default TTL must be between 0 seconds and one year ({Limits.MaxSeconds(Limits.MaxCacheTtl)})."];
        }

        if (errors.Count > 0)
        {
            return DomainResult.Invalid(errors);
        }

        hostname.Origin = origin;
        hostname.OriginScheme = input.OriginScheme;
        hostname.OriginPort = input.OriginPort;
        hostname.OriginHostHeader = hostHeader;
        hostname.CacheDefaultTtl = TimeSpan.FromSeconds(input.DefaultTtlSeconds);
        hostname.HonorOriginHeaders = input.HonorOriginHeaders;
        hostname.Services |= HostnameServices.Cdn;
        hostname.UpdatedAt = time.GetUtcNow().UtcDateTime;
        return await SaveAndPublishAsync(author, hostname.Id, cancellationToken);
    }

    /// <summary>The NS names customers delegate to.</summary>
    public IReadOnlyList<string> NameServers() => options.Value.NameServerNames();

    /// <summary>
    /// A hostname is served either by the caches (CDN) or straight from the customer's addresses (GTM). GTM settings on a
    /// CDN hostname would be saved but never used, so they are refused.
    /// </summary>
    public const string CdnAndGtmMessage =
        "A hostname uses either the CDN (the caches fetch from one origin) or traffic management (answers are your own addresses), not both: " +
        "traffic management settings would not be used on a CDN hostname. Register a second hostname for the other service.";

    internal static Dictionary<string, string[]> ValidateGtm(GtmSettingsInput input, IReadOnlyCollection<string> pops, IReadOnlyCollection<string> edgeAddresses, Core.Security.NetworkTargetGuard guard)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) =>
            errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

        if (input.Addresses.Count == 0)
        {
            Add(nameof(input.Addresses), "Add at least one IP address.");
        }

        if (input.Addresses.Count > MaxAddresses)
        {
            Add(nameof(input.Addresses), $"At most {MaxAddresses} addresses per hostname.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < input.Addresses.Count; i++)
        {
            var a = input.Addresses[i];
            var field = $"Addresses[{i}]";
            if (!Syntax.TryParseAddress(a.Address?.Trim(), out var ip))
            {
                Add(field + ".Address", $"\"{a.Address}\" is not an IPv4 or IPv6 address.");
                continue;
            }

            var canonical = ip.ToString();
            if (!seen.Add(canonical))
            {
                Add(field + ".Address", $"{canonical} is listed twice.");
            }

            if (edgeAddresses.Contains(canonical))
            {
                Add(field + ".Address", $"{canonical} is a Speedera server, not one of yours.");
            }
            else if (CustomerTargets.AddressProblem(guard, ip) is { } problem)
            {
                Add(field + ".Address", problem);
            }

            if (!pops.Contains(a.PopId))
            {
                Add(field + ".PopId", $"Choose the location nearest {canonical}.");
            }

            if (a.Weight is < Limits.MinWeight or > Limits.MaxWeight)
            {
                Add(field + ".Weight", $"The weight of {canonical} must be between {Limits.MinWeight} and {Limits.MaxWeight}.");
            }

            if (a.Description is { Length: > 200 } || (a.Description is not null && a.Description.Any(c => char.IsControl(c) || c is '<' or '>')))
            {
                Add(field + ".Description", $"The description of {canonical} must be plain text of at most 200 characters.");
            }
        }

        if (input.Addresses.Count > 0 && input.Addresses.All(a => a.HiddenFailover))
        {
            Add(nameof(input.Addresses), "At least one address must be visible; hidden failover addresses are handed out only when every visible one is down.");
        }
        else if (input.Addresses.Count > 0 && input.Addresses.Where(a => !a.HiddenFailover).All(a => a.Weight == 0))
        {
            Add(nameof(input.Addresses), "At least one visible address needs a weight above 0; weights are each address's share of the answers.");
        }

        if (input.TestType is not (ServiceType.Http or ServiceType.Https or ServiceType.Ftp or ServiceType.Tcp or ServiceType.NoLoad))
        {
            Add(nameof(input.TestType), "Choose HTTP, HTTPS, FTP, TCP or none.");
        }

        if (input.TestPort is < Limits.MinPort or > Limits.MaxPort)
        {
            Add(nameof(input.TestPort), $"The port must be between {Limits.MinPort} and {Limits.MaxPort}.");
        }

        if (input.TestType is ServiceType.Http or ServiceType.Https)
        {
            if (string.IsNullOrWhiteSpace(input.TestPath) || !input.TestPath.Trim().StartsWith('/') || input.TestPath.Length > 500 || input.TestPath.Any(char.IsWhiteSpace))
            {
                Add(nameof(input.TestPath), "The path must start with / and contain no spaces (at most 500 characters).");
            }

            if (input.TestExpectedStatus is < 100 or > 599)
            {
                Add(nameof(input.TestExpectedStatus), "The expected status must be an HTTP status code (100 to 599).");
            }
        }

        if (input.TestExpectedContent is { Length: > 500 })
        {
            Add(nameof(input.TestExpectedContent), "The expected content can be at most 500 characters.");
        }

        var (minInterval, maxInterval) = (Limits.MinSeconds(Limits.MinServiceInterval), Limits.MaxSeconds(Limits.MaxServiceInterval));
        if (input.TestIntervalSeconds < minInterval || input.TestIntervalSeconds > maxInterval)
        {
            Add(nameof(input.TestIntervalSeconds), $"The test interval must be between {minInterval} and {maxInterval} seconds.");
        }

        // The form takes whole seconds, so the shortest timeout it offers is one second.
        var (minTimeout, maxTimeout) = (Math.Max(1, Limits.MinSeconds(Limits.MinProbeTimeout)), Limits.MaxSeconds(Limits.MaxProbeTimeout));
        if (input.TestTimeoutSeconds < minTimeout || input.TestTimeoutSeconds > maxTimeout || input.TestTimeoutSeconds > input.TestIntervalSeconds)
        {
            Add(nameof(input.TestTimeoutSeconds), $"The timeout must be between {minTimeout} and {maxTimeout} seconds and not longer than the interval.");
        }

        var (minTtl, maxTtl) = (Limits.MinSeconds(Limits.MinHostnameTtl), Limits.MaxSeconds(Limits.MaxHostnameTtl));
        if (input.TtlSeconds < minTtl || input.TtlSeconds > maxTtl)
        {
            Add(nameof(input.TtlSeconds), $"The TTL must be between {minTtl} and {maxTtl} seconds.");
        }

        if (input.PersistenceEnabled)
        {
            var (minPersistence, maxPersistence) = (Limits.MinSeconds(Limits.MinPersistenceTimeout), Limits.MaxSeconds(Limits.MaxPersistenceTimeout));
            if (input.PersistenceAccessTimeoutSeconds < minPersistence || input.PersistenceAccessTimeoutSeconds > maxPersistence)
            {
                Add(nameof(input.PersistenceAccessTimeoutSeconds), $"The access timeout must be between {minPersistence} and {maxPersistence} seconds.");
            }

            if (input.PersistenceRefreshTimeoutSeconds < input.PersistenceAccessTimeoutSeconds || input.PersistenceRefreshTimeoutSeconds > maxPersistence)
            {
                Add(nameof(input.PersistenceRefreshTimeoutSeconds), $"The refresh timeout must be at least the access timeout and at most {maxPersistence} seconds.");
            }
        }

        return errors;
    }

    private static bool TryOrigin(string? input, out string? origin, out string? error)
    {
        origin = null;
        var raw = input?.Trim() ?? "";
        if (raw.Length == 0)
        {
            error = "Enter the origin server the caches fetch from, such as origin.example.com or a public IPv4 address.";
            return false;
        }

        if (Syntax.TryParseAddress(raw, out var ip))
        {
            origin = ip.ToString();
            error = null;
            return true;
        }

        if (!HostnameRules.TryNormalize(raw, out var name, out error))
        {
            error = "The origin must be a hostname or an IP address: " + error;
            return false;
        }

        origin = name;
        return true;
    }

    private async Task<DomainResult> SaveOnlyAsync(Guid? id, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        return DomainResult.Ok(null, id);
    }

    private async Task<DomainResult> SaveAndPublishAsync(string author, Guid? id, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return DomainResult.Invalid("Name", "That name was registered a moment ago by someone else.");
        }

        var published = await publisher.PublishAsync(author, cancellationToken);
        if (!published.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return DomainResult.Invalid("Network", "This change would make the network configuration invalid, so nothing was saved: " +
                string.Join(" ", published.Errors.Take(3).Select(e => e.Message)));
        }

        await transaction.CommitAsync(cancellationToken);
        return DomainResult.Ok(published.Version, id);
    }
}
