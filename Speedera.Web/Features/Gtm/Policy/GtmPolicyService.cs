using System.Net;
using Microsoft.EntityFrameworkCore;
using Speedera.Core.Configuration;
using Speedera.Core.Geo;
using Speedera.Core.Gtm;
using Speedera.Core.Probes;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;
using Speedera.Web.Features.Domains;
using Speedera.Web.Features.Gtm.Geo;
using Speedera.Web.Features.Reports;

namespace Speedera.Web.Features.Gtm.Policy;

/// <summary>A scenario to simulate before publishing: a pending policy, and/or POPs or addresses that fail.</summary>
public sealed record WhatIfRequest(GtmPolicy? Policy, IReadOnlyList<string>? FailedPops, IReadOnlyList<string>? FailedAddresses);

/// <summary>A dns node whose own metric tables the explainer can use, and when it took them.</summary>
public sealed record DnsNodeViewSummary(string NodeId, DateTime TakenAt, long? ConfigurationVersion);

/// <summary>One saved change of the region policy: when, by whom, the configuration version it published, the policy after it.</summary>
public sealed record GtmPolicyChange(DateTime ChangedAt, string ChangedBy, long? PublishedVersion, GtmPolicy Policy);

/// <summary>
/// Region rules and geoproximity of a customer's GTM hostname: read, validated, saved and published; and the
/// what-if simulation and explainer, which run the dns node's engine over the published configuration, the
/// probes' latest service results and the last 24 hours of client groups the dns nodes reported.
/// </summary>
public sealed class GtmPolicyService(
    SpeederaDbContext db,
    ConfigurationPublisher publisher,
    ConfigurationFeed feed,
    GeoDataService geo,
    ITrafficStore traffic,
    TimeProvider time)
{
    public static readonly TimeSpan WhatIfWindow = TimeSpan.FromHours(24);

    public GeoDatabase? GeoData => geo.Holder.Current;

    public string? GeoMissingReason => geo.Holder.MissingReason;

    public async Task<GtmPolicy?> GetAsync(Guid organizationId, Guid id, CancellationToken cancellationToken = default)
    {
        if (!await db.Hostnames.AnyAsync(h => h.Id == id && h.OrganizationId == organizationId, cancellationToken))
        {
            return null;
        }

        var entity = await db.GtmPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.HostnameId == id, cancellationToken);
        return entity is null ? GtmPolicy.Empty : GtmPolicy.FromJson(entity.PolicyJson);
    }

    /// <summary>Field → messages; empty when the policy can be saved. Every region must resolve to one of the hostname's addresses or POPs.</summary>
    public static Dictionary<string, string[]> Validate(HostnameEntity hostname, GtmPolicy policy, IReadOnlyCollection<string> popIds)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var addresses = hostname.Addresses.Select(a => a.Address).ToHashSet(StringComparer.Ordinal);
        var pops = hostname.Addresses.Select(a => a.PopId).ToHashSet(StringComparer.Ordinal);
        void CheckTargets(string field, string what, IReadOnlyList<string> targets)
        {
            foreach (var t in targets)
            {
                if (t.StartsWith(RegionRouting.PopPrefix, StringComparison.Ordinal))
                {
                    var pop = t[RegionRouting.PopPrefix.Length..];
                    if (!pops.Contains(pop))
                    {
                        Add(field, $"{what}: POP '{pop}' holds none of this hostname's addresses.");
                    }
                }
                else if (!(IPAddress.TryParse(t, out var ip) && addresses.Contains(ip.ToString())))
                {
                    Add(field, $"{what}: '{t}' is not one of this hostname's addresses.");
                }
            }

            if (targets.Distinct(StringComparer.Ordinal).Count() != targets.Count)
            {
                Add(field, $"{what}: a target is listed twice.");
            }
        }

        if (hostname.Services.HasFlag(HostnameServices.Cdn))
        {
            Add("Rules", "Region rules are for GTM hostnames; a CDN hostname is steered to Speedera's caches.");
        }

        var seen = new HashSet<(RegionKind, string)>();
        for (int i = 0; i < policy.Rules.Count; i++)
        {
            var r = policy.Rules[i];
            var field = $"Rules[{i}]";
            var code = (r.Code ?? "").Trim().ToUpperInvariant();
            if (!RegionCodes.IsValid(r.Kind, code))
            {
                Add(field, $"'{r.Code}' is not a valid {RegionCodes.Describe(r.Kind)}.");
            }
            else if (!seen.Add((r.Kind, code)))
            {
                Add(field, $"There are two rules for {code}.");
            }

            if (r.Targets.Count == 0)
            {
                Add(field, $"Region {code} must go somewhere: add an address or a POP.");
            }

            CheckTargets(field, $"Region {code}", r.Targets);
        }

        CheckTargets("Default", "Default", policy.Default);
        var biasPops = new HashSet<string>(StringComparer.Ordinal);
        foreach (var b in policy.Biases)
        {
            if (!popIds.Contains(b.PopId))
            {
                Add("Biases", $"Unknown POP '{b.PopId}'.");
            }
            else if (!biasPops.Add(b.PopId))
            {
                Add("Biases", $"POP '{b.PopId}' has two biases.");
            }

            if (b.Bias is < -99 or > 99)
            {
                Add("Biases", $"The bias for '{b.PopId}' must be between -99 and 99.");
            }
        }

        return errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>Normalized: codes upper-case, addresses in canonical text, biases of 0 dropped.</summary>
    public static GtmPolicy Normalize(GtmPolicy policy)
    {
        static string Target(string t) =>
            IPAddress.TryParse(t.Trim(), out var ip) ? ip.ToString() : t.Trim();
        return new GtmPolicy(
            [.. policy.Rules.Select(r => new RegionRuleInput(r.Kind, (r.Code ?? "").Trim().ToUpperInvariant(), [.. r.Targets.Select(Target)]))],
            [.. policy.Default.Select(Target)],
            policy.Geoproximity,
            [.. policy.Biases.Where(b => b.Bias != 0)]);
    }

    public async Task<DomainResult> SaveAsync(Guid organizationId, Guid id, GtmPolicy policy, string author, CancellationToken cancellationToken = default)
    {
        var hostname = await db.Hostnames.Include(h => h.Addresses).SingleOrDefaultAsync(h => h.Id == id && h.OrganizationId == organizationId, cancellationToken);
        if (hostname is null)
        {
            return DomainResult.Missing;
        }

        policy = Normalize(policy);
        var errors = Validate(hostname, policy, await db.Pops.Select(p => p.Id).ToListAsync(cancellationToken));
        if (errors.Count > 0)
        {
            return DomainResult.Invalid(errors);
        }

        var entity = await db.GtmPolicies.SingleOrDefaultAsync(p => p.HostnameId == id, cancellationToken);
        if (policy.IsEmpty)
        {
            if (entity is not null)
            {
                db.GtmPolicies.Remove(entity);
            }
        }
        else if (entity is null)
        {
            db.GtmPolicies.Add(new GtmPolicyEntity { HostnameId = id, PolicyJson = policy.ToJson(), UpdatedAt = time.GetUtcNow().UtcDateTime, UpdatedBy = author });
        }
        else
        {
            entity.PolicyJson = policy.ToJson();
            entity.UpdatedAt = time.GetUtcNow().UtcDateTime;
            entity.UpdatedBy = author;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        var published = await publisher.PublishAsync(author, cancellationToken);
        if (!published.Succeeded)
        {
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return DomainResult.Invalid("Network", "This change would make the network configuration invalid, so nothing was saved: " +
                string.Join(" ", published.Errors.Take(3).Select(e => e.Message)));
        }

        db.GtmPolicyChanges.Add(new GtmPolicyChangeEntity
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrganizationId = organizationId,
            HostnameId = id,
            ChangedAt = time.GetUtcNow().UtcDateTime,
            ChangedBy = author,
            PolicyJson = policy.ToJson(),
            PublishedVersion = published.Version,
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return DomainResult.Ok(published.Version, id);
    }

    /// <summary>
    /// The engine's decision for one client, step by step. Without <paramref name="nodeId"/> it uses the probe results the
    /// control plane received (no latency tables: those stay on the dns nodes); with it, the metric tables that dns node
    /// last reported, at the moment it took them, so the answer is the one that node gave.
    /// </summary>
    public async Task<GtmExplanation?> ExplainAsync(Guid organizationId, Guid id, string client, string? resolver, bool v6, string? nodeId = null, CancellationToken cancellationToken = default)
    {
        var hostname = await db.Hostnames.AsNoTracking().SingleOrDefaultAsync(h => h.Id == id && h.OrganizationId == organizationId, cancellationToken);
        if (hostname is null)
        {
            return null;
        }

        if (!TryParseClient(client, resolver, out var gtmClient, out var error))
        {
            return new GtmExplanation(hostname.Name, client, null, null, "Invalid", [], [error!]);
        }

        var (configuration, publishedVersion) = await PublishedAsync(cancellationToken);
        if (configuration is null)
        {
            return new GtmExplanation(hostname.Name, client, null, null, "NotPublished", [], ["Nothing has been published yet."]);
        }

        await geo.Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        IGtmMetricsView metrics;
        TimeProvider clock = time;
        string source;
        var notes = new List<string>();
        if (string.IsNullOrWhiteSpace(nodeId))
        {
            metrics = await MetricsAsync(cancellationToken);
            source = "control plane: the newest probe results it received; latency tables stay on the dns nodes, so latency counts as unknown";
        }
        else
        {
            var entity = await db.DnsNodeViews.AsNoTracking().SingleOrDefaultAsync(v => v.NodeId == nodeId, cancellationToken);
            var view = entity is null ? null : System.Text.Json.JsonSerializer.Deserialize(entity.ViewJson, Core.Reports.EdgeReportJson.Default.DnsNodeView);
            if (view is null)
            {
                return new GtmExplanation(hostname.Name, client, null, null, "NoNodeView", [], [$"Dns node '{nodeId}' has not reported its metric tables."], $"dns node {nodeId}");
            }

            metrics = DnsNodeViews.ToMetrics(view);
            clock = new FixedTime(view.TakenAt);
            var age = time.GetUtcNow() - view.TakenAt;
            source = $"dns node {view.NodeId}: its own service and latency tables ({view.Services.Count} service results, {view.Latency.Count} latency entries), taken {view.TakenAt:u}, {Math.Max(0, age.TotalSeconds):F0} s ago";
            if (view.ConfigurationVersion is { } running && running != publishedVersion)
            {
                notes.Add($"Dns node {view.NodeId} ran configuration version {running} when it reported; this explanation uses the published version {publishedVersion}.");
            }

            if (view.LatencyTotal > view.Latency.Count)
            {
                notes.Add($"The node holds {view.LatencyTotal} latency entries and reported the newest {view.Latency.Count}; an older group may have a latency there that is unknown here.");
            }

            notes.Add("Persistence entries stay on the node: this explanation starts without any.");
        }

        var explanation = GtmSimulator.Explain(GtmConfiguration.Build(configuration), metrics, PublishedName(hostname), in gtmClient, geo.Holder, clock, v6);
        return explanation with { Source = source, Steps = [$"Metrics from the {source}.", .. notes, .. explanation.Steps] };
    }

    /// <summary>The dns nodes whose own tables the explainer can use, newest report first.</summary>
    public async Task<IReadOnlyList<DnsNodeViewSummary>> NodeViewsAsync(CancellationToken cancellationToken = default)
    {
        var rows = await db.DnsNodeViews.AsNoTracking()
            .Select(v => new DnsNodeViewSummary(v.NodeId, v.TakenAt, v.ConfigurationVersion))
            .ToListAsync(cancellationToken);
        return [.. rows.OrderByDescending(r => r.TakenAt).ThenBy(r => r.NodeId, StringComparer.Ordinal)];
    }

    /// <summary>The policy's saved changes, newest first (the audit trail); null when the hostname is not the organization's.</summary>
    public async Task<IReadOnlyList<GtmPolicyChange>?> HistoryAsync(Guid organizationId, Guid id, int count = 20, CancellationToken cancellationToken = default)
    {
        if (!await db.Hostnames.AnyAsync(h => h.Id == id && h.OrganizationId == organizationId, cancellationToken))
        {
            return null;
        }

        var rows = await db.GtmPolicyChanges.AsNoTracking()
            .Where(c => c.HostnameId == id && c.OrganizationId == organizationId)
            .ToListAsync(cancellationToken);
        return [.. rows.OrderByDescending(c => c.ChangedAt).ThenByDescending(c => c.PublishedVersion).Take(count)
            .Select(c => new GtmPolicyChange(c.ChangedAt, c.ChangedBy, c.PublishedVersion, GtmPolicy.FromJson(c.PolicyJson)))];
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>Simulates the scenario over the last 24 hours of client groups; null when the hostname is not the organization's.</summary>
    public async Task<WhatIfResult?> WhatIfAsync(Guid organizationId, Guid id, WhatIfRequest request, CancellationToken cancellationToken = default)
    {
        var hostname = await db.Hostnames.AsNoTracking().Include(h => h.Addresses).SingleOrDefaultAsync(h => h.Id == id && h.OrganizationId == organizationId, cancellationToken);
        if (hostname is null)
        {
            return null;
        }

        var (configuration, _) = await PublishedAsync(cancellationToken);
        if (configuration is null)
        {
            return new WhatIfResult(hostname.Name, 0, 0, [], [], [], 0);
        }

        await geo.Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        var after = configuration;
        if (request.Policy is { } pending)
        {
            var (regions, geoproximity) = Normalize(pending).ToConfiguration(NetworkConfigurationGenerator.CustomerServerId);
            var names = new HashSet<string>(StringComparer.Ordinal) { hostname.Name };
            if (hostname.Alias is { } alias)
            {
                names.Add(alias);
            }

            after = configuration with
            {
                Hostnames = [.. configuration.Hostnames.Select(h => names.Contains(h.Name) ? h with { Regions = regions, Geoproximity = geoproximity } : h)],
            };
        }

        var beforePlan = GtmConfiguration.Build(configuration);
        var afterPlan = ReferenceEquals(after, configuration) ? beforePlan : GtmConfiguration.Build(after);
        var metrics = await MetricsAsync(cancellationToken);
        var failedServers = (request.FailedAddresses ?? []).Select(a => IPAddress.TryParse(a, out var ip) ? NetworkConfigurationGenerator.CustomerServerId(ip.ToString()) : a).ToList();
        var afterMetrics = GtmSimulator.WithFailures(metrics, beforePlan, failedServers, request.FailedPops ?? [], time.GetUtcNow());
        var clients = await ClientsAsync(hostname, cancellationToken);
        return GtmSimulator.WhatIf(beforePlan, metrics, afterPlan, afterMetrics, PublishedName(hostname), clients, geo.Holder, time);
    }

    /// <summary>"198.51.100.7" (a resolver or client address) or "198.51.100.0/24" (a client subnet, as ECS carries it).</summary>
    public static bool TryParseClient(string client, string? resolver, out GtmClient gtmClient, out string? error)
    {
        gtmClient = default;
        error = null;
        client = (client ?? "").Trim();
        var resolverAddress = default(ClientAddress);
        if (!string.IsNullOrWhiteSpace(resolver))
        {
            if (!IPAddress.TryParse(resolver.Trim(), out var r))
            {
                error = $"'{resolver}' is not an IP address.";
                return false;
            }

            resolverAddress = ClientAddress.FromIPAddress(r);
        }

        if (client.Contains('/', StringComparison.Ordinal))
        {
            if (!ClientGroup.TryParse(client, out var subnet))
            {
                error = $"'{client}' is not a subnet such as 198.51.100.0/24.";
                return false;
            }

            var address = new ClientAddress(subnet.IsV6, subnet.Prefix);
            gtmClient = new GtmClient(string.IsNullOrWhiteSpace(resolver) ? address : resolverAddress, true, address, subnet.Length);
            return true;
        }

        if (!IPAddress.TryParse(client, out var ip))
        {
            error = $"'{client}' is not an IP address or subnet.";
            return false;
        }

        gtmClient = string.IsNullOrWhiteSpace(resolver)
            ? GtmClient.FromResolver(ClientAddress.FromIPAddress(ip))
            : new GtmClient(resolverAddress, true, ClientAddress.FromIPAddress(ip), (byte)ClientAddress.FromIPAddress(ip).MaxPrefix);
        return true;
    }

    private static string PublishedName(HostnameEntity hostname) =>
        hostname.Kind == HostnameKind.CustomerOwned && hostname.Alias is { } alias ? alias : hostname.Name;

    private async Task<(NetworkConfiguration? Configuration, long Version)> PublishedAsync(CancellationToken cancellationToken)
    {
        var latest = await feed.GetLatestAsync(cancellationToken);
        if (latest is null || !SignedConfiguration.TryParse(latest.EnvelopeBytes, out var envelope, out _))
        {
            return (null, 0);
        }

        return (NetworkConfigurationSerializer.Deserialize(envelope!.Document), latest.Version);
    }

    /// <summary>The newest probe result per service, as the dns nodes were sent them (latency tables stay on the nodes).</summary>
    private async Task<MetricsStore> MetricsAsync(CancellationToken cancellationToken)
    {
        var rows = await db.ServiceStates.AsNoTracking().ToListAsync(cancellationToken);
        var store = new MetricsStore();
        store.ApplyServiceMetrics([.. rows.Select(r => new ServiceMetric(
            new ServiceKey(r.ServerId, r.ServiceId), r.Value, r.Error, new DateTimeOffset(DateTime.SpecifyKind(r.MeasuredAt, DateTimeKind.Utc)), r.ProbeNodeId))]);
        return store;
    }

    private async Task<List<SimulatedClient>> ClientsAsync(HostnameEntity hostname, CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow() - WhatIfWindow;
        var rows = new List<ClientGroupTotal>(await traffic.ClientGroupsAsync(hostname.Name, since, cancellationToken));
        if (hostname.Alias is { } alias)
        {
            rows.AddRange(await traffic.ClientGroupsAsync(alias, since, cancellationToken));
        }

        var clients = new List<SimulatedClient>();
        foreach (var g in rows.GroupBy(r => (r.ClientSubnet, r.Resolver)))
        {
            if (ClientGroup.TryParse(g.Key.ClientSubnet, out var subnet) && IPAddress.TryParse(g.Key.Resolver, out var resolver))
            {
                clients.Add(new SimulatedClient(subnet, ClientAddress.FromIPAddress(resolver), g.Sum(x => x.Queries)));
            }
        }

        return clients;
    }
}
