using Speedera.Core.Configuration;

namespace Speedera.Tests.Unit.Configuration;

public class ValidatorTests
{
    private static readonly Dictionary<string, (Func<NetworkConfiguration, NetworkConfiguration> Break, string Path, string Message)> Rules = new()
    {
        ["version_zero"] = (c => c with { Version = 0 }, "version", "Version must be 1 or more"),
        ["duplicate_pop"] = (c => c with { Pops = [.. c.Pops, c.Pops[0]] }, "pops[2].id", "Duplicate POP id 'sjc'"),
        ["bad_pop_id"] = (c => c with { Pops = [.. c.Pops, c.Pops[0] with { Id = "San Jose" }] }, "pops[2].id", "POP id 'San Jose' must be"),
        ["latitude_out_of_range"] = (c => c with { Pops = [c.Pops[0] with { Latitude = 91 }, c.Pops[1]] }, "pops[0].latitude", "outside -90..90"),
        ["duplicate_server"] = (c => c with { Servers = [.. c.Servers, c.Servers[0] with { Address = "127.0.10.99" }] }, "servers[4].id", "Duplicate server id 'sjc-edge-1'"),
        ["server_in_unknown_pop"] = (c => c with { Servers = [c.Servers[0] with { PopId = "lhr" }, .. c.Servers.Skip(1)] }, "servers[0].popId", "Server 'sjc-edge-1' is in unknown POP 'lhr'"),
        ["invalid_server_ip"] = (c => c with { Servers = [c.Servers[0] with { Address = "127.0.10.256" }, .. c.Servers.Skip(1)] }, "servers[0].address", "'127.0.10.256' is not a valid IP address"),
        ["non_canonical_server_ip"] = (c => c with { Servers = [c.Servers[0] with { Address = "127.1" }, .. c.Servers.Skip(1)] }, "servers[0].address", "'127.1' is not a valid IP address"),
        ["ip_in_two_pops"] = (c => c with { Servers = [.. c.Servers.Take(3), c.Servers[3] with { Address = "127.0.10.1" }] }, "servers[3].address", "IP address 127.0.10.1 belongs to both server 'sjc-edge-1' and server 'cust-a-2' (POP 'sjc')"),
        ["ip_in_two_servers_of_different_pops"] = (c => c with { Servers = [c.Servers[0], c.Servers[1] with { Address = "127.0.10.1" }, .. c.Servers.Skip(2)] }, "servers[1].address", "(POPs 'sjc' and 'ams')"),
        ["server_without_services"] = (c => c with { Servers = [c.Servers[0] with { Services = [] }, .. c.Servers.Skip(1)] }, "servers[0].services", "Server 'sjc-edge-1' has no services"),
        ["duplicate_service"] = (c => c with { Servers = [c.Servers[0] with { Services = [SampleConfiguration.Http("http"), SampleConfiguration.Http("http")] }, .. c.Servers.Skip(1)] }, "servers[0].services[1].id", "Duplicate service id 'http' on server 'sjc-edge-1'"),
        ["port_out_of_range"] = (c => c with { Servers = [c.Servers[0] with { Services = [SampleConfiguration.Http("http", 70000)] }, .. c.Servers.Skip(1)] }, "servers[0].services[0].port", "port 70000 is outside 1..65535"),
        ["probe_interval_out_of_range"] = (c => WithService(c, s => s with { Interval = TimeSpan.FromHours(2) }), "servers[0].services[0].interval", "interval 7200 s is outside 1 s..3600 s"),
        ["probe_timeout_longer_than_interval"] = (c => WithService(c, s => s with { Timeout = TimeSpan.FromSeconds(20) }), "servers[0].services[0].timeout", "timeout 20 s is longer than its interval 10 s"),
        ["http_expected_status_out_of_range"] = (c => WithService(c, s => s with { ExpectedStatus = 0 }), "servers[0].services[0].expectedStatus", "expects HTTP status 0"),
        ["http_without_path"] = (c => WithService(c, s => s with { Path = null }), "servers[0].services[0].path", "needs a request path"),
        ["duplicate_node"] = (c => c with { Nodes = [.. c.Nodes, c.Nodes[0]] }, "nodes[2].id", "Duplicate node id 'node-sjc-1'"),
        ["node_in_unknown_pop"] = (c => c with { Nodes = [c.Nodes[0] with { PopId = "lhr" }, c.Nodes[1]] }, "nodes[0].popId", "Node 'node-sjc-1' is in unknown POP 'lhr'"),
        ["node_without_roles"] = (c => c with { Nodes = [c.Nodes[0] with { Roles = NodeRoles.None }, c.Nodes[1]] }, "nodes[0].roles", "has no valid roles"),
        ["dns_node_without_endpoint"] = (c => c with { Nodes = [c.Nodes[0] with { DnsEndpoint = null }, c.Nodes[1]] }, "nodes[0].dnsEndpoint", "has role Dns but no endpoint"),
        ["node_endpoint_invalid"] = (c => c with { Nodes = [c.Nodes[0] with { CacheEndpoint = "localhost:8080" }, c.Nodes[1]] }, "nodes[0].cacheEndpoint", "'localhost:8080' is not an IP address and port"),
        ["duplicate_zone"] = (c => c with { Zones = [.. c.Zones, c.Zones[0]] }, "zones[2].name", "Duplicate zone 'speedera.net'"),
        ["overlapping_zone"] = (c => c with { Zones = [.. c.Zones, c.Zones[0] with { Name = "cdn.speedera.net" }] }, "zones[2].name", "Zone 'cdn.speedera.net' overlaps zone 'speedera.net'"),
        ["zone_name_with_trailing_dot"] = (c => c with { Zones = [c.Zones[0] with { Name = "speedera.net." }, c.Zones[1]] }, "zones[0].name", "is not a lower-case DNS name"),
        ["zone_without_name_servers"] = (c => c with { Zones = [c.Zones[0] with { NameServers = [] }, c.Zones[1]] }, "zones[0].nameServers", "Zone 'speedera.net' has no name servers"),
        ["in_zone_name_server_without_glue"] = (c => c with { Zones = [c.Zones[0] with { NameServers = [new NameServer("ns1.speedera.net", [], TimeSpan.FromDays(1))] }, c.Zones[1]] }, "zones[0].nameServers[0].addresses", "needs glue addresses"),
        ["invalid_glue"] = (c => c with { Zones = [c.Zones[0] with { NameServers = [new NameServer("ns1.speedera.net", ["1.2.3"], TimeSpan.FromDays(1))] }, c.Zones[1]] }, "zones[0].nameServers[0].addresses", "glue '1.2.3' is not a valid IP address"),
        ["soa_negative_ttl_out_of_range"] = (c => c with { Zones = [c.Zones[0] with { Soa = c.Zones[0].Soa with { NegativeTtl = TimeSpan.FromDays(1) } }, c.Zones[1]] }, "zones[0].soa.negativeTtl", "negative TTL 86400 s is outside 0 s..10800 s"),
        ["record_outside_zone"] = (c => c with { Zones = [c.Zones[0] with { Records = [new StaticRecord("www.other.net", "A", TimeSpan.FromMinutes(5), "127.0.0.1")] }, c.Zones[1]] }, "zones[0].records[0].name", "Record 'www.other.net' is not a name inside zone 'speedera.net'"),
        ["a_record_with_ipv6"] = (c => c with { Zones = [c.Zones[0] with { Records = [new StaticRecord("www.speedera.net", "A", TimeSpan.FromMinutes(5), "::1")] }, c.Zones[1]] }, "zones[0].records[0].data", "is not an IPv4 address"),
        ["unsupported_record_type"] = (c => c with { Zones = [c.Zones[0] with { Records = [new StaticRecord("www.speedera.net", "SRV", TimeSpan.FromMinutes(5), "x")] }, c.Zones[1]] }, "zones[0].records[0].type", "unsupported type 'SRV'"),
        ["duplicate_hostname"] = (c => c with { Hostnames = [.. c.Hostnames, c.Hostnames[1]] }, "hostnames[2].name", "Duplicate hostname 'track.gtm.example.com'"),
        ["upper_case_hostname"] = (c => WithHost(c, h => h with { Name = "Track.gtm.example.com" }), "hostnames[1].name", "'Track.gtm.example.com' is not a lower-case DNS name"),
        ["hostname_outside_every_zone"] = (c => WithHost(c, h => h with { Name = "track.elsewhere.org", Zone = "elsewhere.org" }), "hostnames[1].zone", "Hostname 'track.elsewhere.org' lies outside every zone served"),
        ["hostname_outside_its_zone"] = (c => WithHost(c, h => h with { Name = "track.speedera.net" }), "hostnames[1].zone", "Hostname 'track.speedera.net' is outside its zone 'gtm.example.com'"),
        ["hostname_without_candidates"] = (c => WithHost(c, h => h with { Candidates = [] }), "hostnames[1].candidates", "Hostname 'track.gtm.example.com' has no candidates"),
        ["candidate_unknown_server"] = (c => WithHost(c, h => h with { Candidates = [new Candidate("nope", "http", 10, false)] }), "hostnames[1].candidates[0].serverId", "candidate refers to unknown server 'nope'"),
        ["candidate_unknown_service"] = (c => WithHost(c, h => h with { Candidates = [new Candidate("cust-a-1", "ftp", 10, false)] }), "hostnames[1].candidates[0].serviceId", "unknown service 'ftp' on server 'cust-a-1'"),
        ["candidate_listed_twice"] = (c => WithHost(c, h => h with { Candidates = [.. h.Candidates, h.Candidates[0]] }), "hostnames[1].candidates[2]", "lists candidate 'cust-a-1/http' twice"),
        ["weight_out_of_range"] = (c => WithHost(c, h => h with { Candidates = [h.Candidates[0] with { Weight = 1001 }, h.Candidates[1]] }), "hostnames[1].candidates[0].weight", "weight 1001 is outside 0..1000"),
        ["negative_weight"] = (c => WithHost(c, h => h with { Candidates = [h.Candidates[0], h.Candidates[1] with { Weight = -1 }] }), "hostnames[1].candidates[1].weight", "weight -1 is outside 0..1000"),
        ["all_visible_weights_zero"] = (c => WithHost(c, h => h with { Candidates = [h.Candidates[0] with { Weight = 0 }, h.Candidates[1]] }), "hostnames[1].candidates", "visible candidates all have weight 0"),
        ["only_hidden_candidates"] = (c => WithHost(c, h => h with { Candidates = [h.Candidates[1]] }), "hostnames[1].candidates", "only hidden failover candidates"),
        ["cdn_candidate_is_customer_server"] = (c => c with { Hostnames = [c.Hostnames[0] with { Candidates = [new Candidate("cust-a-1", "http", 10, false)], StaticMappings = [] }, c.Hostnames[1]] }, "hostnames[0].candidates[0].serverId", "CDN hostname 'customer.speedera.net' candidate 'cust-a-1' is not an edge server"),
        ["ttl_out_of_range"] = (c => WithHost(c, h => h with { Ttl = TimeSpan.FromDays(2) }), "hostnames[1].ttl", "TTL 172800 s is outside 0 s..86400 s"),
        ["negative_ttl"] = (c => WithHost(c, h => h with { Ttl = TimeSpan.FromSeconds(-1) }), "hostnames[1].ttl", "TTL -1 s is outside"),
        ["hostname_without_services"] = (c => WithHost(c, h => h with { Services = HostnameServices.None }), "hostnames[1].services", "has no valid service"),
        ["persistence_timeout_zero"] = (c => WithHost(c, h => h with { Persistence = h.Persistence with { AccessTimeout = TimeSpan.Zero } }), "hostnames[1].persistence.accessTimeout", "persistence access timeout 0 s is outside 1 s..86400 s"),
        ["invalid_cidr"] = (c => WithHost(c, h => h with { StaticMappings = [new StaticMapping("10.0.0.0/33", ["cust-a-1"])] }), "hostnames[1].staticMappings[0].clientPrefix", "'10.0.0.0/33' is not a valid CIDR"),
        ["cidr_with_host_bits"] = (c => WithHost(c, h => h with { StaticMappings = [new StaticMapping("10.0.0.1/8", ["cust-a-1"])] }), "hostnames[1].staticMappings[0].clientPrefix", "'10.0.0.1/8' is not a valid CIDR"),
        ["static_mapping_to_non_candidate"] = (c => WithHost(c, h => h with { StaticMappings = [new StaticMapping("10.0.0.0/8", ["sjc-edge-1"])] }), "hostnames[1].staticMappings[0].serverIds", "names server 'sjc-edge-1', which is not one of its candidates"),
        ["cdn_hostname_without_cache"] = (c => c with { Hostnames = [c.Hostnames[0] with { Cache = null }, c.Hostnames[1]] }, "hostnames[0].cache", "CDN hostname 'customer.speedera.net' has no cache settings"),
        ["origin_scheme_invalid"] = (c => c with { Hostnames = [c.Hostnames[0] with { Cache = c.Hostnames[0].Cache! with { OriginScheme = "ftp" } }, c.Hostnames[1]] }, "hostnames[0].cache.originScheme", "origin scheme 'ftp' must be http or https"),
        ["origin_invalid"] = (c => c with { Hostnames = [c.Hostnames[0] with { Cache = c.Hostnames[0].Cache! with { Origin = "bad origin!" } }, c.Hostnames[1]] }, "hostnames[0].cache.origin", "origin 'bad origin!' is not a host name"),
        ["alias_is_a_hostname"] = (c => c with { Hostnames = [c.Hostnames[0] with { Cache = c.Hostnames[0].Cache! with { Aliases = ["track.gtm.example.com"] } }, c.Hostnames[1]] }, "hostnames[0].cache.aliases", "alias 'track.gtm.example.com' is itself a hostname"),
        ["send_size_out_of_range"] = (c => c with { Probes = c.Probes with { SendSize = 0 } }, "probes.sendSize", "Probe send size 0 is outside 1..10000"),
        ["send_interval_out_of_range"] = (c => c with { Probes = c.Probes with { SendInterval = TimeSpan.FromMilliseconds(10) } }, "probes.sendInterval", "Probe send interval 0.01 s is outside 0.1 s..300 s"),
        ["metrics_stale_before_next_send"] = (c => c with { Probes = c.Probes with { SendInterval = TimeSpan.FromSeconds(60), MetricStaleAfter = TimeSpan.FromSeconds(30) } }, "probes.metricStaleAfter", "before the next send"),
        ["no_latency_methods"] = (c => c with { Probes = c.Probes with { LatencyMethods = [] } }, "probes.latencyMethods", "No latency probe methods"),
        ["latency_method_twice"] = (c => c with { Probes = c.Probes with { LatencyMethods = [LatencyMethod.Icmp, LatencyMethod.Icmp] } }, "probes.latencyMethods", "listed twice"),
        ["probe_nodes_for_unknown_pop"] = (c => c with { Probes = c.Probes with { LatencyProbeNodes = new Dictionary<string, IReadOnlyList<string>> { ["lhr"] = ["node-sjc-1"] } } }, "probes.latencyProbeNodes.lhr", "Latency probe nodes are listed for unknown POP 'lhr'"),
        ["probe_node_unknown"] = (c => c with { Probes = c.Probes with { ServiceProbeNodes = new Dictionary<string, IReadOnlyList<string>> { ["sjc"] = ["node-x"] } } }, "probes.serviceProbeNodes.sjc", "service probe node 'node-x' is not a known node"),
        ["probe_node_without_probe_role"] = (c => c with { Nodes = [c.Nodes[0] with { Roles = NodeRoles.Dns }, c.Nodes[1]] }, "probes.serviceProbeNodes.sjc", "does not have the probe role"),
        ["latency_probe_node_in_other_pop"] = (c => c with { Probes = c.Probes with { LatencyProbeNodes = new Dictionary<string, IReadOnlyList<string>> { ["sjc"] = ["node-ams-1"] } } }, "probes.latencyProbeNodes.sjc", "is in POP 'ams'"),
    };

    public static TheoryData<string> RuleNames => [.. Rules.Keys];

    [Fact]
    public void Sample_network_is_valid()
    {
        var result = NetworkConfigurationValidator.Validate(SampleConfiguration.Create());
        Assert.True(result.IsValid, result.ToString());
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Broken_document_is_refused_with_a_precise_message(string rule)
    {
        var (breakIt, path, message) = Rules[rule];
        var result = NetworkConfigurationValidator.Validate(breakIt(SampleConfiguration.Create()));

        Assert.False(result.IsValid);
        Assert.Contains(result.Errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Service_probe_node_may_test_a_pop_without_its_own_probe()
    {
        var sample = SampleConfiguration.Create();
        var config = sample with { Probes = sample.Probes with { ServiceProbeNodes = new Dictionary<string, IReadOnlyList<string>> { ["sjc"] = ["node-ams-1"] } } };

        var result = NetworkConfigurationValidator.Validate(config);
        Assert.True(result.IsValid, result.ToString());
    }

    [Fact]
    public void Every_error_is_reported_not_only_the_first()
    {
        var c = SampleConfiguration.Create() with { Version = 0 };
        c = WithHost(c, h => h with { Candidates = [], Ttl = TimeSpan.FromDays(3) });
        var result = NetworkConfigurationValidator.Validate(c);
        Assert.Equal(3, result.Errors.Count);
    }

    [Fact]
    public void Ipv6_addresses_are_accepted()
    {
        var c = SampleConfiguration.Create();
        c = c with { Servers = [c.Servers[0] with { Address = "2001:db8::1" }, .. c.Servers.Skip(1)] };
        Assert.True(NetworkConfigurationValidator.Validate(c).IsValid);
    }

    private static NetworkConfiguration WithHost(NetworkConfiguration c, Func<Hostname, Hostname> change) =>
        c with { Hostnames = [c.Hostnames[0], change(c.Hostnames[1])] };

    private static NetworkConfiguration WithService(NetworkConfiguration c, Func<ServiceCheck, ServiceCheck> change) =>
        c with { Servers = [c.Servers[0] with { Services = [change(c.Servers[0].Services[0]), .. c.Servers[0].Services.Skip(1)] }, .. c.Servers.Skip(1)] };
}
