using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Speedera.Core.Geo;

namespace Speedera.Core.Configuration;

/// <summary>One reason a document is refused: where (a JSON-path-like location) and why.</summary>
public sealed record ConfigurationError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

public sealed record ConfigurationValidationResult(IReadOnlyList<ConfigurationError> Errors)
{
    public bool IsValid => Errors.Count == 0;

    public override string ToString() =>
        IsValid ? "valid" : string.Join(Environment.NewLine, Errors.Select(e => e.ToString()));
}

/// <summary>
/// Refuses documents that would break the network. Every rule reports where and why; nothing
/// invalid may be published or applied. The limits it applies are <see cref="Limits"/>.
/// </summary>
public static class NetworkConfigurationValidator
{
    private static readonly HashSet<string> StaticRecordTypes = new(StringComparer.Ordinal) { "A", "AAAA", "CNAME", "TXT", "NS", "MX" };

    public static ConfigurationValidationResult Validate(NetworkConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var v = new Run(configuration);
        v.ValidateAll();
        return new ConfigurationValidationResult(v.Errors);
    }

    private sealed class Run(NetworkConfiguration c)
    {
        public List<ConfigurationError> Errors { get; } = [];

        private readonly HashSet<string> _pops = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Server> _servers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, EdgeNode> _nodes = new(StringComparer.Ordinal);
        private readonly HashSet<string> _zones = new(StringComparer.Ordinal);

        private void Add(string path, string message) => Errors.Add(new ConfigurationError(path, message));

        public void ValidateAll()
        {
            if (c.Version < 1)
            {
                Add("version", $"Version must be 1 or more; it is {c.Version}.");
            }

            ValidatePops();
            ValidateServers();
            ValidateNodes();
            ValidateZones();
            ValidateHostnames();
            ValidateProbes();

            // Customer targets are not judged here: one row saved under an earlier setting must not block every
            // publish. They are checked when saved (portal) and where connections are made (edge).
            for (var i = 0; i < c.InfrastructureAddresses.Count; i++)
            {
                if (!IPAddress.TryParse(c.InfrastructureAddresses[i], out _))
                {
                    Add($"infrastructureAddresses[{i}]", $"Infrastructure address '{c.InfrastructureAddresses[i]}' is not an IP address.");
                }
            }
        }

        private void ValidatePops()
        {
            for (var i = 0; i < c.Pops.Count; i++)
            {
                var pop = c.Pops[i];
                var path = $"pops[{i}]";
                if (!ValidId(pop.Id))
                {
                    Add(path + ".id", $"POP id '{pop.Id}' must be 1-64 characters of a-z, 0-9, '-', '_' or '.'.");
                }
                else if (!_pops.Add(pop.Id))
                {
                    Add(path + ".id", $"Duplicate POP id '{pop.Id}'.");
                }

                if (pop.Latitude is < -90 or > 90 || double.IsNaN(pop.Latitude))
                {
                    Add(path + ".latitude", $"POP '{pop.Id}' latitude {pop.Latitude.ToString(CultureInfo.InvariantCulture)} is outside -90..90.");
                }

                if (pop.Longitude is < -180 or > 180 || double.IsNaN(pop.Longitude))
                {
                    Add(path + ".longitude", $"POP '{pop.Id}' longitude {pop.Longitude.ToString(CultureInfo.InvariantCulture)} is outside -180..180.");
                }
            }
        }

        private void ValidateServers()
        {
            var addressOwner = new Dictionary<IPAddress, Server>();
            for (var i = 0; i < c.Servers.Count; i++)
            {
                var server = c.Servers[i];
                var path = $"servers[{i}]";
                if (!ValidId(server.Id))
                {
                    Add(path + ".id", $"Server id '{server.Id}' must be 1-64 characters of a-z, 0-9, '-', '_' or '.'.");
                }
                else if (!_servers.TryAdd(server.Id, server))
                {
                    Add(path + ".id", $"Duplicate server id '{server.Id}'.");
                }

                if (!_pops.Contains(server.PopId))
                {
                    Add(path + ".popId", $"Server '{server.Id}' is in unknown POP '{server.PopId}'.");
                }

                if (!Syntax.TryParseAddress(server.Address, out var address))
                {
                    Add(path + ".address", $"Server '{server.Id}' address '{server.Address}' is not a valid IP address.");
                }
                else if (addressOwner.TryGetValue(address, out var owner))
                {
                    var where = owner.PopId == server.PopId ? $"POP '{server.PopId}'" : $"POPs '{owner.PopId}' and '{server.PopId}'";
                    Add(path + ".address", $"IP address {server.Address} belongs to both server '{owner.Id}' and server '{server.Id}' ({where}).");
                }
                else
                {
                    addressOwner[address] = server;
                }

                if (server.Services.Count == 0)
                {
                    Add(path + ".services", $"Server '{server.Id}' has no services to probe.");
                }

                var serviceIds = new HashSet<string>(StringComparer.Ordinal);
                for (var j = 0; j < server.Services.Count; j++)
                {
                    ValidateService(server, server.Services[j], $"{path}.services[{j}]", serviceIds);
                }
            }
        }

        private void ValidateService(Server server, ServiceCheck s, string path, HashSet<string> ids)
        {
            if (!ValidId(s.Id))
            {
                Add(path + ".id", $"Service id '{s.Id}' on server '{server.Id}' must be 1-64 characters of a-z, 0-9, '-', '_' or '.'.");
            }
            else if (!ids.Add(s.Id))
            {
                Add(path + ".id", $"Duplicate service id '{s.Id}' on server '{server.Id}'.");
            }

            if (!Enum.IsDefined(s.Type))
            {
                Add(path + ".type", $"Service '{server.Id}/{s.Id}' has unknown type {(int)s.Type}.");
            }

            if (s.Port is < Limits.MinPort or > Limits.MaxPort)
            {
                Add(path + ".port", $"Service '{server.Id}/{s.Id}' port {s.Port} is outside 1..65535.");
            }

            if (s.Type is ServiceType.Http or ServiceType.Https)
            {
                if (s.ExpectedStatus is < 100 or > 599)
                {
                    Add(path + ".expectedStatus", $"Service '{server.Id}/{s.Id}' expects HTTP status {s.ExpectedStatus}, outside 100..599.");
                }

                if (s.Path is null || !s.Path.StartsWith('/'))
                {
                    Add(path + ".path", $"Service '{server.Id}/{s.Id}' needs a request path starting with '/'.");
                }
            }

            if (s.Interval < Limits.MinServiceInterval || s.Interval > Limits.MaxServiceInterval)
            {
                InRange(path + ".interval", $"Service '{server.Id}/{s.Id}' interval", s.Interval, Limits.MinServiceInterval, Limits.MaxServiceInterval);
            }
            if (s.Timeout < Limits.MinProbeTimeout || s.Timeout > Limits.MaxProbeTimeout)
            {
                InRange(path + ".timeout", $"Service '{server.Id}/{s.Id}' timeout", s.Timeout, Limits.MinProbeTimeout, Limits.MaxProbeTimeout);
            }
            if (s.Timeout > s.Interval)
            {
                Add(path + ".timeout", $"Service '{server.Id}/{s.Id}' timeout {Seconds(s.Timeout)} is longer than its interval {Seconds(s.Interval)}.");
            }
        }

        private void ValidateNodes()
        {
            for (var i = 0; i < c.Nodes.Count; i++)
            {
                var node = c.Nodes[i];
                var path = $"nodes[{i}]";
                if (!ValidId(node.Id))
                {
                    Add(path + ".id", $"Node id '{node.Id}' must be 1-64 characters of a-z, 0-9, '-', '_' or '.'.");
                }
                else if (!_nodes.TryAdd(node.Id, node))
                {
                    Add(path + ".id", $"Duplicate node id '{node.Id}'.");
                }

                if (!_pops.Contains(node.PopId))
                {
                    Add(path + ".popId", $"Node '{node.Id}' is in unknown POP '{node.PopId}'.");
                }

                if (node.Roles == NodeRoles.None || (node.Roles & ~(NodeRoles.Dns | NodeRoles.Probe | NodeRoles.Cache | NodeRoles.LoadP)) != 0)
                {
                    Add(path + ".roles", $"Node '{node.Id}' has no valid roles ({node.Roles}).");
                }

                Endpoint(path + ".dnsEndpoint", node, node.DnsEndpoint, NodeRoles.Dns);
                Endpoint(path + ".cacheEndpoint", node, node.CacheEndpoint, NodeRoles.Cache);
                Endpoint(path + ".loadPEndpoint", node, node.LoadPEndpoint, NodeRoles.LoadP);
                Endpoint(path + ".metricsEndpoint", node, node.MetricsEndpoint, NodeRoles.None);
            }
        }

        private void Endpoint(string path, EdgeNode node, string? endpoint, NodeRoles role)
        {
            if (endpoint is null)
            {
                if (role != NodeRoles.None && node.Roles.HasFlag(role))
                {
                    Add(path, $"Node '{node.Id}' has role {role} but no endpoint for it.");
                }

                return;
            }

            if (!IPEndPoint.TryParse(endpoint, out var ep) || ep.Port == 0 || !endpoint.Contains(':', StringComparison.Ordinal))
            {
                Add(path, $"Node '{node.Id}' endpoint '{endpoint}' is not an IP address and port.");
            }
        }

        private void ValidateZones()
        {
            var allZones = new HashSet<string>(c.Zones.Select(z => z.Name), StringComparer.Ordinal);
            for (var i = 0; i < c.Zones.Count; i++)
            {
                var zone = c.Zones[i];
                var path = $"zones[{i}]";
                if (!ValidDnsName(zone.Name))
                {
                    Add(path + ".name", $"Zone name '{zone.Name}' is not a lower-case DNS name without a trailing dot.");
                    continue;
                }

                if (!_zones.Add(zone.Name))
                {
                    Add(path + ".name", $"Duplicate zone '{zone.Name}'.");
                    continue;
                }

                // Walk up the labels: any served ancestor means the two zones overlap.
                for (var dot = zone.Name.IndexOf('.', StringComparison.Ordinal); dot >= 0; dot = zone.Name.IndexOf('.', dot + 1))
                {
                    var ancestor = zone.Name[(dot + 1)..];
                    if (allZones.Contains(ancestor))
                    {
                        Add(path + ".name", $"Zone '{zone.Name}' overlaps zone '{ancestor}'.");
                    }
                }

                ValidateSoa(zone, path + ".soa");

                if (zone.NameServers.Count == 0)
                {
                    Add(path + ".nameServers", $"Zone '{zone.Name}' has no name servers.");
                }

                for (var j = 0; j < zone.NameServers.Count; j++)
                {
                    var ns = zone.NameServers[j];
                    var nsPath = $"{path}.nameServers[{j}]";
                    if (!ValidDnsName(ns.Name))
                    {
                        Add(nsPath + ".name", $"Name server '{ns.Name}' of zone '{zone.Name}' is not a DNS name.");
                    }
                    else if (IsWithin(ns.Name, zone.Name) && ns.Addresses.Count == 0)
                    {
                        Add(nsPath + ".addresses", $"Name server '{ns.Name}' lies inside zone '{zone.Name}' and needs glue addresses.");
                    }

                    foreach (var a in ns.Addresses)
                    {
                        if (!Syntax.TryParseAddress(a, out _))
                        {
                            Add(nsPath + ".addresses", $"Name server '{ns.Name}' glue '{a}' is not a valid IP address.");
                        }
                    }

                    InRange(nsPath + ".ttl", $"Name server '{ns.Name}' TTL", ns.Ttl, TimeSpan.FromSeconds(1), Limits.MaxRecordTtl);
                }

                for (var j = 0; j < zone.Records.Count; j++)
                {
                    ValidateRecord(zone, zone.Records[j], $"{path}.records[{j}]");
                }
            }
        }

        private void ValidateSoa(Zone zone, string path)
        {
            var soa = zone.Soa;
            if (!ValidDnsName(soa.PrimaryNameServer))
            {
                Add(path + ".primaryNameServer", $"Zone '{zone.Name}' SOA primary name server '{soa.PrimaryNameServer}' is not a DNS name.");
            }

            if (!ValidDnsName(soa.ResponsibleMailbox))
            {
                Add(path + ".responsibleMailbox", $"Zone '{zone.Name}' SOA mailbox '{soa.ResponsibleMailbox}' is not a DNS name (write hostmaster.example.com).");
            }

            var name = $"Zone '{zone.Name}' SOA";
            InRange(path + ".refresh", name + " refresh", soa.Refresh, TimeSpan.FromSeconds(1), Limits.MaxRecordTtl);
            InRange(path + ".retry", name + " retry", soa.Retry, TimeSpan.FromSeconds(1), Limits.MaxRecordTtl);
            InRange(path + ".expire", name + " expire", soa.Expire, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365));
            InRange(path + ".negativeTtl", name + " negative TTL", soa.NegativeTtl, TimeSpan.Zero, TimeSpan.FromHours(3));
            InRange(path + ".ttl", name + " TTL", soa.Ttl, TimeSpan.Zero, Limits.MaxRecordTtl);
        }

        private void ValidateRecord(Zone zone, StaticRecord r, string path)
        {
            if (!ValidDnsName(r.Name) || !IsWithin(r.Name, zone.Name))
            {
                Add(path + ".name", $"Record '{r.Name}' is not a name inside zone '{zone.Name}'.");
            }

            if (!StaticRecordTypes.Contains(r.Type))
            {
                Add(path + ".type", $"Record '{r.Name}' has unsupported type '{r.Type}' (A, AAAA, CNAME, TXT, NS, MX).");
            }
            else if (r.Type == "A" && !Syntax.IsValidIPv4(r.Data))
            {
                Add(path + ".data", $"A record '{r.Name}' data '{r.Data}' is not an IPv4 address.");
            }
            else if (r.Type == "AAAA" && !(IPAddress.TryParse(r.Data, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6))
            {
                Add(path + ".data", $"AAAA record '{r.Name}' data '{r.Data}' is not an IPv6 address.");
            }
            else if (r.Type is "CNAME" or "NS" && !ValidDnsName(r.Data))
            {
                Add(path + ".data", $"{r.Type} record '{r.Name}' target '{r.Data}' is not a DNS name.");
            }

            InRange(path + ".ttl", $"Record '{r.Name}' TTL", r.Ttl, TimeSpan.Zero, Limits.MaxRecordTtl);
        }

        private void ValidateHostnames()
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var aliasOwner = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var h in c.Hostnames)
            {
                names.Add(h.Name);
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < c.Hostnames.Count; i++)
            {
                var h = c.Hostnames[i];
                var path = $"hostnames[{i}]";
                if (!ValidDnsName(h.Name))
                {
                    Add(path + ".name", $"Hostname '{h.Name}' is not a lower-case DNS name without a trailing dot.");
                }
                else if (!seen.Add(h.Name))
                {
                    Add(path + ".name", $"Duplicate hostname '{h.Name}'.");
                }

                if (!_zones.Contains(h.Zone))
                {
                    var inside = _zones.Where(z => IsWithin(h.Name, z)).ToList();
                    Add(path + ".zone", inside.Count == 0
                        ? $"Hostname '{h.Name}' lies outside every zone served (its zone '{h.Zone}' is not served)."
                        : $"Hostname '{h.Name}' names unknown zone '{h.Zone}'.");
                }
                else if (!IsWithin(h.Name, h.Zone))
                {
                    Add(path + ".zone", $"Hostname '{h.Name}' is outside its zone '{h.Zone}'.");
                }

                if (h.Services == HostnameServices.None || (h.Services & ~(HostnameServices.Cdn | HostnameServices.Gtm)) != 0)
                {
                    Add(path + ".services", $"Hostname '{h.Name}' has no valid service (CDN and/or GTM).");
                }

                if (h.Ttl < Limits.MinHostnameTtl || h.Ttl > Limits.MaxHostnameTtl)
                {
                    InRange(path + ".ttl", $"Hostname '{h.Name}' TTL", h.Ttl, Limits.MinHostnameTtl, Limits.MaxHostnameTtl);
                }
                ValidateCandidates(h, path);
                ValidatePersistence(h, path + ".persistence");
                ValidateStaticMappings(h, path);
                ValidateRegions(h, path);
                ValidateCache(h, path + ".cache", names, aliasOwner);
            }
        }

        private void ValidateCandidates(Hostname h, string path)
        {
            if (h.Candidates.Count == 0)
            {
                Add(path + ".candidates", $"Hostname '{h.Name}' has no candidates.");
                return;
            }

            if (h.Candidates.All(x => x.HiddenFailover))
            {
                Add(path + ".candidates", $"Hostname '{h.Name}' has only hidden failover candidates; at least one must be visible.");
            }

            var keys = new HashSet<(string, string)>();
            for (var j = 0; j < h.Candidates.Count; j++)
            {
                var cand = h.Candidates[j];
                string CPath() => $"{path}.candidates[{j}]";
                if (!_servers.TryGetValue(cand.ServerId, out var server))
                {
                    Add(CPath() + ".serverId", $"Hostname '{h.Name}' candidate refers to unknown server '{cand.ServerId}'.");
                }
                else
                {
                    if (!server.Services.Any(s => s.Id == cand.ServiceId))
                    {
                        Add(CPath() + ".serviceId", $"Hostname '{h.Name}' candidate refers to unknown service '{cand.ServiceId}' on server '{cand.ServerId}'.");
                    }

                    if (h.Services.HasFlag(HostnameServices.Cdn) && server.Kind != ServerKind.Edge)
                    {
                        Add(CPath() + ".serverId", $"CDN hostname '{h.Name}' candidate '{cand.ServerId}' is not an edge server.");
                    }
                }

                if (!keys.Add((cand.ServerId, cand.ServiceId)))
                {
                    Add(CPath(), $"Hostname '{h.Name}' lists candidate '{cand.ServerId}/{cand.ServiceId}' twice.");
                }

                if (cand.Weight is < Limits.MinWeight or > Limits.MaxWeight)
                {
                    Add(CPath() + ".weight", $"Hostname '{h.Name}' candidate '{cand.ServerId}' weight {cand.Weight} is outside {Limits.MinWeight}..{Limits.MaxWeight}.");
                }
            }

            if (h.Candidates.Where(x => !x.HiddenFailover).All(x => x.Weight == 0))
            {
                Add(path + ".candidates", $"Hostname '{h.Name}' visible candidates all have weight 0.");
            }
        }

        private void ValidatePersistence(Hostname h, string path)
        {
            var p = h.Persistence;
            if (!p.Enabled)
            {
                return;
            }

            if (p.AccessTimeout < Limits.MinPersistenceTimeout || p.AccessTimeout > Limits.MaxPersistenceTimeout)
            {
                InRange(path + ".accessTimeout", $"Hostname '{h.Name}' persistence access timeout", p.AccessTimeout, Limits.MinPersistenceTimeout, Limits.MaxPersistenceTimeout);
            }
            if (p.RefreshTimeout < Limits.MinPersistenceTimeout || p.RefreshTimeout > Limits.MaxPersistenceTimeout)
            {
                InRange(path + ".refreshTimeout", $"Hostname '{h.Name}' persistence refresh timeout", p.RefreshTimeout, Limits.MinPersistenceTimeout, Limits.MaxPersistenceTimeout);
            }
        }

        private void ValidateStaticMappings(Hostname h, string path)
        {
            var prefixes = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < h.StaticMappings.Count; j++)
            {
                var m = h.StaticMappings[j];
                var mPath = $"{path}.staticMappings[{j}]";
                if (!TryParseCidr(m.ClientPrefix, out var canonical))
                {
                    Add(mPath + ".clientPrefix", $"Hostname '{h.Name}' static mapping prefix '{m.ClientPrefix}' is not a valid CIDR (address/length with no host bits set).");
                }
                else if (!prefixes.Add(canonical))
                {
                    Add(mPath + ".clientPrefix", $"Hostname '{h.Name}' maps prefix '{m.ClientPrefix}' twice.");
                }

                if (m.ServerIds.Count == 0)
                {
                    Add(mPath + ".serverIds", $"Hostname '{h.Name}' static mapping for '{m.ClientPrefix}' lists no servers.");
                }

                foreach (var id in m.ServerIds)
                {
                    if (!h.Candidates.Any(x => x.ServerId == id))
                    {
                        Add(mPath + ".serverIds", $"Hostname '{h.Name}' static mapping for '{m.ClientPrefix}' names server '{id}', which is not one of its candidates.");
                    }
                }
            }
        }

        private void ValidateRegions(Hostname h, string path)
        {
            if (h.Regions is { } regions)
            {
                var seen = new HashSet<(RegionKind, string)>();
                for (var j = 0; j < regions.Rules.Count; j++)
                {
                    var r = regions.Rules[j];
                    var rPath = $"{path}.regions.rules[{j}]";
                    if (!RegionCodes.IsValid(r.Kind, r.Code))
                    {
                        Add(rPath + ".code", $"Hostname '{h.Name}' region '{r.Code}' is not a valid {RegionCodes.Describe(r.Kind)}.");
                    }
                    else if (!seen.Add((r.Kind, r.Code)))
                    {
                        Add(rPath + ".code", $"Hostname '{h.Name}' has two rules for region '{r.Code}'.");
                    }

                    // Every region must resolve to something: at least one target, each naming a candidate or a POP holding one.
                    if (r.Targets.Count == 0)
                    {
                        Add(rPath + ".targets", $"Hostname '{h.Name}' region '{r.Code}' has no targets.");
                    }

                    ValidateRegionTargets(h, r.Targets, rPath + ".targets", $"region '{r.Code}'");
                }

                ValidateRegionTargets(h, regions.Default, path + ".regions.default", "the default region");
            }

            if (h.Geoproximity is { } geo)
            {
                var pops = new HashSet<string>(StringComparer.Ordinal);
                for (var j = 0; j < geo.Biases.Count; j++)
                {
                    var b = geo.Biases[j];
                    var bPath = $"{path}.geoproximity.biases[{j}]";
                    if (!_pops.Contains(b.PopId))
                    {
                        Add(bPath + ".popId", $"Hostname '{h.Name}' geoproximity bias names unknown POP '{b.PopId}'.");
                    }
                    else if (!pops.Add(b.PopId))
                    {
                        Add(bPath + ".popId", $"Hostname '{h.Name}' gives POP '{b.PopId}' two biases.");
                    }

                    if (b.Bias is < -99 or > 99)
                    {
                        Add(bPath + ".bias", $"Hostname '{h.Name}' bias {b.Bias} for POP '{b.PopId}' is outside -99..99.");
                    }
                }
            }
        }

        private void ValidateRegionTargets(Hostname h, IReadOnlyList<string> targets, string path, string what)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in targets)
            {
                if (!seen.Add(t))
                {
                    Add(path, $"Hostname '{h.Name}' {what} lists target '{t}' twice.");
                }
                else if (t.StartsWith(RegionRouting.PopPrefix, StringComparison.Ordinal))
                {
                    var pop = t[RegionRouting.PopPrefix.Length..];
                    if (!h.Candidates.Any(x => _servers.TryGetValue(x.ServerId, out var s) && s.PopId == pop))
                    {
                        Add(path, $"Hostname '{h.Name}' {what} sends clients to POP '{pop}', which holds none of its candidates.");
                    }
                }
                else if (!h.Candidates.Any(x => x.ServerId == t))
                {
                    Add(path, $"Hostname '{h.Name}' {what} names server '{t}', which is not one of its candidates.");
                }
            }
        }

        private void ValidateCache(Hostname h, string path, HashSet<string> hostnames, Dictionary<string, string> aliasOwner)
        {
            var cache = h.Cache;
            if (cache is null)
            {
                if (h.Services.HasFlag(HostnameServices.Cdn))
                {
                    Add(path, $"CDN hostname '{h.Name}' has no cache settings.");
                }

                return;
            }

            if (string.IsNullOrWhiteSpace(cache.Origin) || Uri.CheckHostName(cache.Origin) == UriHostNameType.Unknown)
            {
                Add(path + ".origin", $"Hostname '{h.Name}' origin '{cache.Origin}' is not a host name or IP address.");
            }

            if (cache.OriginScheme is not ("http" or "https"))
            {
                Add(path + ".originScheme", $"Hostname '{h.Name}' origin scheme '{cache.OriginScheme}' must be http or https.");
            }

            if (cache.OriginPort is < Limits.MinPort or > Limits.MaxPort)
            {
                Add(path + ".originPort", $"Hostname '{h.Name}' origin port {cache.OriginPort} is outside 1..65535.");
            }

            if (cache.OriginHostHeader is { } hostHeader && Uri.CheckHostName(hostHeader) == UriHostNameType.Unknown)
            {
                Add(path + ".originHostHeader", $"Hostname '{h.Name}' origin Host header '{hostHeader}' is not a host name.");
            }

            if (cache.DefaultTtl < TimeSpan.Zero || cache.DefaultTtl > Limits.MaxCacheTtl)
            {
                InRange(path + ".defaultTtl", $"Hostname '{h.Name}' cache default TTL", cache.DefaultTtl, TimeSpan.Zero, Limits.MaxCacheTtl);
            }

            foreach (var alias in cache.Aliases)
            {
                if (!ValidDnsName(alias))
                {
                    Add(path + ".aliases", $"Hostname '{h.Name}' alias '{alias}' is not a lower-case DNS name.");
                }
                else if (hostnames.Contains(alias))
                {
                    Add(path + ".aliases", $"Hostname '{h.Name}' alias '{alias}' is itself a hostname.");
                }
                else if (!aliasOwner.TryAdd(alias, h.Name))
                {
                    Add(path + ".aliases", $"Alias '{alias}' belongs to both '{aliasOwner[alias]}' and '{h.Name}'.");
                }
            }
        }

        private void ValidateProbes()
        {
            var p = c.Probes;
            const string path = "probes";
            InRange(path + ".defaultServiceInterval", "Default service probe interval", p.DefaultServiceInterval, Limits.MinServiceInterval, Limits.MaxServiceInterval);
            InRange(path + ".defaultServiceTimeout", "Default service probe timeout", p.DefaultServiceTimeout, Limits.MinProbeTimeout, Limits.MaxProbeTimeout);
            if (p.SendSize is < 1 or > Limits.MaxSendSize)
            {
                Add(path + ".sendSize", $"Probe send size {p.SendSize} is outside 1..{Limits.MaxSendSize}.");
            }

            InRange(path + ".sendInterval", "Probe send interval", p.SendInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
            InRange(path + ".metricStaleAfter", "Metric staleness limit", p.MetricStaleAfter, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
            InRange(path + ".latencyStaleAfter", "Latency staleness limit", p.LatencyStaleAfter, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));
            InRange(path + ".latencyTimeout", "Latency probe timeout", p.LatencyTimeout, Limits.MinProbeTimeout, Limits.MaxProbeTimeout);
            if (p.MetricStaleAfter < p.SendInterval)
            {
                Add(path + ".metricStaleAfter", $"Metrics would go stale after {Seconds(p.MetricStaleAfter)}, before the next send at {Seconds(p.SendInterval)}.");
            }

            if (p.LatencyMethods.Count == 0)
            {
                Add(path + ".latencyMethods", "No latency probe methods are listed.");
            }
            else if (p.LatencyMethods.Distinct().Count() != p.LatencyMethods.Count)
            {
                Add(path + ".latencyMethods", "A latency probe method is listed twice.");
            }

            foreach (var m in p.LatencyMethods.Where(m => !Enum.IsDefined(m)))
            {
                Add(path + ".latencyMethods", $"Unknown latency method {(int)m}.");
            }

            // A POP without a probe of its own may have its servers tested from another POP; latency,
            // though, is only meaningful measured from the POP itself.
            ProbeNodes(path + ".serviceProbeNodes", "service", p.ServiceProbeNodes, mustBeLocal: false);
            ProbeNodes(path + ".latencyProbeNodes", "latency", p.LatencyProbeNodes, mustBeLocal: true);
        }

        private void ProbeNodes(string path, string kind, IReadOnlyDictionary<string, IReadOnlyList<string>> map, bool mustBeLocal)
        {
            foreach (var (popId, nodeIds) in map)
            {
                if (!_pops.Contains(popId))
                {
                    Add($"{path}.{popId}", $"{Capital(kind)} probe nodes are listed for unknown POP '{popId}'.");
                    continue;
                }

                foreach (var nodeId in nodeIds)
                {
                    if (!_nodes.TryGetValue(nodeId, out var node))
                    {
                        Add($"{path}.{popId}", $"POP '{popId}' {kind} probe node '{nodeId}' is not a known node.");
                    }
                    else if (!node.Roles.HasFlag(NodeRoles.Probe))
                    {
                        Add($"{path}.{popId}", $"POP '{popId}' {kind} probe node '{nodeId}' does not have the probe role.");
                    }
                    else if (mustBeLocal && node.PopId != popId)
                    {
                        Add($"{path}.{popId}", $"POP '{popId}' {kind} probe node '{nodeId}' is in POP '{node.PopId}'.");
                    }
                }
            }
        }

        private void InRange(string path, string what, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
            {
                Add(path, $"{what} {Seconds(value)} is outside {Seconds(min)}..{Seconds(max)}.");
            }
        }

        private static string Capital(string s) => char.ToUpperInvariant(s[0]) + s[1..];
    }

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    /// <summary>Kept for callers; the rule lives in <see cref="Syntax.IsValidId"/>.</summary>
    public static bool ValidId(string? id) => Syntax.IsValidId(id);

    /// <summary>Kept for callers; the rule lives in <see cref="Syntax.IsValidDnsName"/>.</summary>
    public static bool ValidDnsName(string? name) => Syntax.IsValidDnsName(name);

    /// <summary>True when <paramref name="name"/> equals <paramref name="zone"/> or lies below it.</summary>
    internal static bool IsWithin(string name, string zone) =>
        name == zone || name.EndsWith("." + zone, StringComparison.Ordinal);

    /// <summary>Parses "address/length" with no host bits set; returns the canonical form.</summary>
    internal static bool TryParseCidr(string text, out string canonical)
    {
        canonical = "";
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            || !IPNetwork.TryParse(text, out var network) || !network.BaseAddress.Equals(address))
        {
            return false;
        }

        canonical = network.ToString();
        return true;
    }
}
