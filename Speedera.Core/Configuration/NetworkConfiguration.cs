namespace Speedera.Core.Configuration;

/// <summary>
/// The whole network as the edge needs it (the patent's "Speedera configuration file"):
/// POPs, servers and their services, zones, hostnames, probe and cache settings.
/// It holds no customer names and no billing data. Lists are kept sorted by id so that the
/// same database always produces the same bytes.
/// </summary>
public sealed record NetworkConfiguration
{
    /// <summary>Monotonically increasing version assigned by the control plane on publish.</summary>
    public required long Version { get; init; }

    public required DateTimeOffset GeneratedAt { get; init; }

    public required IReadOnlyList<Pop> Pops { get; init; }

    public required IReadOnlyList<Server> Servers { get; init; }

    public required IReadOnlyList<EdgeNode> Nodes { get; init; }

    public required IReadOnlyList<Zone> Zones { get; init; }

    public required IReadOnlyList<Hostname> Hostnames { get; init; }

    public required ProbeSettings Probes { get; init; }

    /// <summary>
    /// Whether probes and caches may contact private and loopback customer targets (see
    /// <see cref="Security.NetworkTargetGuard"/>): the loopback demo network and test fixtures only. Absent means false.
    /// </summary>
    public bool AllowPrivateTargets { get; init; }

    /// <summary>
    /// Addresses of our own infrastructure the rest of the document does not name (the control plane), refused as
    /// customer targets in addition to every Speedera server, node endpoint and name server.
    /// </summary>
    public IReadOnlyList<string> InfrastructureAddresses { get; init; } = [];
}

/// <summary>A point of presence: a data centre location holding servers and edge nodes.</summary>
public sealed record Pop(
    string Id,
    string Name,
    string City,
    string Country,
    double Latitude,
    double Longitude,
    string Network);

/// <summary>
/// A server whose services are tested by service probes: a Speedera edge server (cache) or a
/// customer server used as a GTM candidate. One address belongs to exactly one server.
/// </summary>
public sealed record Server(
    string Id,
    string PopId,
    string Address,
    ServerKind Kind,
    IReadOnlyList<ServiceCheck> Services);

public enum ServerKind
{
    Edge,
    Customer,
}

public enum ServiceType
{
    Http,
    Https,
    Ftp,
    Tcp,
    LoadP,
    NoLoad,
    Switch,
}

/// <summary>
/// A service on a server and how a probe tests it. <see cref="Id"/> is unique per server;
/// metrics are keyed by (server id, service id).
/// </summary>
public sealed record ServiceCheck(
    string Id,
    ServiceType Type,
    int Port,
    string? Path,
    string? HostHeader,
    int ExpectedStatus,
    string? ExpectedContent,
    TimeSpan Interval,
    TimeSpan Timeout);

[Flags]
public enum NodeRoles
{
    None = 0,
    Dns = 1,
    Probe = 2,
    Cache = 4,
    LoadP = 8,
}

/// <summary>An edge node process and the endpoints other nodes reach it on.</summary>
public sealed record EdgeNode(
    string Id,
    string PopId,
    NodeRoles Roles,
    string? DnsEndpoint,
    string? MetricsEndpoint,
    string? CacheEndpoint,
    string? LoadPEndpoint);

/// <summary>A DNS zone served authoritatively: the service's own zone or a customer's delegated name.</summary>
public sealed record Zone(
    string Name,
    SoaData Soa,
    IReadOnlyList<NameServer> NameServers,
    IReadOnlyList<StaticRecord> Records);

public sealed record SoaData(
    string PrimaryNameServer,
    string ResponsibleMailbox,
    uint Serial,
    TimeSpan Refresh,
    TimeSpan Retry,
    TimeSpan Expire,
    TimeSpan NegativeTtl,
    TimeSpan Ttl);

/// <summary>An NS record of a zone; addresses are glue when the name lies inside the zone.</summary>
public sealed record NameServer(string Name, IReadOnlyList<string> Addresses, TimeSpan Ttl);

/// <summary>A fixed record in a zone (A, AAAA, CNAME, TXT, NS) not decided by the GTM engine.</summary>
public sealed record StaticRecord(string Name, string Type, TimeSpan Ttl, string Data);

[Flags]
public enum HostnameServices
{
    None = 0,
    Cdn = 1,
    Gtm = 2,
}

/// <summary>A hostname answered by the GTM engine and, for CDN, served by the caches.</summary>
public sealed record Hostname
{
    /// <summary>Lower-case fully qualified name without the trailing dot.</summary>
    public required string Name { get; init; }

    public required string Zone { get; init; }

    public required HostnameServices Services { get; init; }

    public required TimeSpan Ttl { get; init; }

    /// <summary>Whether latency from the client's group is factored into the choice.</summary>
    public required bool UseLatency { get; init; }

    public required IReadOnlyList<Candidate> Candidates { get; init; }

    public required PersistenceSettings Persistence { get; init; }

    public required IReadOnlyList<StaticMapping> StaticMappings { get; init; }

    /// <summary>Present for CDN hostnames.</summary>
    public CacheSettings? Cache { get; init; }

    /// <summary>
    /// Region routing (absent: none): the client's continent, country or US/CA state, looked up in the geo data,
    /// picks the rule whose targets answer; the most specific rule wins.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public RegionRouting? Regions { get; init; }

    /// <summary>Geoproximity (absent: off): the nearest POP by great-circle distance, each POP's area grown or shrunk by its bias.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Geoproximity? Geoproximity { get; init; }
}

public enum RegionKind
{
    Continent,
    Country,

    /// <summary>ISO 3166-2 code of a US state or Canadian province ("US-VA"); needs geo data with subdivisions.</summary>
    Subdivision,
}

/// <summary>
/// One region and where its clients go. <see cref="Targets"/> are tried in order (failover within the mapping):
/// a server id of one of the hostname's candidates, or "pop:" and a POP id for every candidate in that POP.
/// </summary>
public sealed record RegionRule(RegionKind Kind, string Code, IReadOnlyList<string> Targets);

/// <param name="Rules">Region rules; a client matching none goes to <paramref name="Default"/>.</param>
/// <param name="Default">Targets for everyone else; empty means "the rest of the engine decides among all candidates".</param>
public sealed record RegionRouting(IReadOnlyList<RegionRule> Rules, IReadOnlyList<string> Default)
{
    public const string PopPrefix = "pop:";
}

/// <summary>Bias -99..99 per POP (Route 53's meaning: positive grows the POP's area, negative shrinks it).</summary>
public sealed record PopBias(string PopId, int Bias);

/// <param name="Enabled">Route clients no region rule covers to the nearest POP (also the best guess when latency is unknown).</param>
public sealed record Geoproximity(bool Enabled, IReadOnlyList<PopBias> Biases);

/// <summary>
/// A server and service the engine may answer with. Hidden candidates are handed out only when
/// every visible candidate is down.
/// </summary>
public sealed record Candidate(string ServerId, string ServiceId, int Weight, bool HiddenFailover);

public sealed record PersistenceSettings(bool Enabled, TimeSpan AccessTimeout, TimeSpan RefreshTimeout)
{
    public static PersistenceSettings Off { get; } = new(false, TimeSpan.Zero, TimeSpan.Zero);
}

/// <summary>Clients in <see cref="ClientPrefix"/> (CIDR) always get these servers.</summary>
public sealed record StaticMapping(string ClientPrefix, IReadOnlyList<string> ServerIds);

public sealed record CacheSettings(
    string Origin,
    string OriginScheme,
    int OriginPort,
    string? OriginHostHeader,
    TimeSpan DefaultTtl,
    bool HonorOriginHeaders,
    IReadOnlyList<string> Aliases);

public enum LatencyMethod
{
    Icmp,
    TcpDns,
    DnsPtr,
    UdpHighPort,
}

public sealed record ProbeSettings(
    TimeSpan DefaultServiceInterval,
    TimeSpan DefaultServiceTimeout,
    int SendSize,
    TimeSpan SendInterval,
    TimeSpan MetricStaleAfter,
    TimeSpan LatencyStaleAfter,
    TimeSpan LatencyTimeout,
    IReadOnlyList<LatencyMethod> LatencyMethods,
    /// <summary>Node ids that run service probes for each POP id.</summary>
    IReadOnlyDictionary<string, IReadOnlyList<string>> ServiceProbeNodes,
    /// <summary>Node ids that run latency probes for each POP id.</summary>
    IReadOnlyDictionary<string, IReadOnlyList<string>> LatencyProbeNodes);
