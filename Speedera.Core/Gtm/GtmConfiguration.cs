using System.Net;
using System.Net.Sockets;
using Speedera.Core.Configuration;
using Speedera.Core.Probes;

namespace Speedera.Core.Gtm;

/// <summary>
/// The hostnames of one configuration version compiled for fast decisions: candidates resolved to
/// servers, addresses parsed, split by address family. Built once per version and shared read-only.
/// </summary>
public sealed class GtmConfiguration
{
    private readonly Dictionary<string, HostnamePlan> _hostnames;
    private readonly Dictionary<string, HostnamePlan>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private GtmConfiguration(NetworkConfiguration source, Dictionary<string, HostnamePlan> hostnames)
    {
        Source = source;
        _hostnames = hostnames;
        _lookup = hostnames.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public NetworkConfiguration Source { get; }

    public IReadOnlyCollection<HostnamePlan> Hostnames => _hostnames.Values;

    /// <summary>Candidates whose server is missing or whose address does not parse are left out.</summary>
    public static GtmConfiguration Build(NetworkConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var servers = configuration.Servers.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var pops = configuration.Pops.GroupBy(p => p.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var plans = new Dictionary<string, HostnamePlan>(StringComparer.Ordinal);
        foreach (var hostname in configuration.Hostnames)
        {
            var name = hostname.Name.TrimEnd('.').ToLowerInvariant();
            var candidates = new List<CandidatePlan>();
            foreach (var candidate in hostname.Candidates)
            {
                if (servers.TryGetValue(candidate.ServerId, out var server)
                    && IPAddress.TryParse(server.Address, out var address)
                    && address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                {
                    var service = server.Services.FirstOrDefault(s => s.Id == candidate.ServiceId);
                    candidates.Add(new CandidatePlan(name, server, address, candidate, service, pops.GetValueOrDefault(server.PopId)));
                }
            }

            var mappings = new List<StaticMappingPlan>();
            foreach (var mapping in hostname.StaticMappings)
            {
                if (ClientGroup.TryParse(mapping.ClientPrefix, out var prefix))
                {
                    mappings.Add(new StaticMappingPlan(prefix, [.. mapping.ServerIds]));
                }
            }

            var regions = hostname.Regions is null && hostname.Geoproximity is null ? null : new RegionPlan(hostname.Regions, hostname.Geoproximity);
            plans[name] = new HostnamePlan(name, hostname, [.. candidates], [.. mappings], configuration.Probes) { Regions = regions };
        }

        return new GtmConfiguration(configuration, plans);
    }

    public bool TryGetHostname(ReadOnlySpan<char> lowerName, out HostnamePlan plan) =>
        _lookup.TryGetValue(lowerName, out plan!);
}

public sealed class HostnamePlan
{
    internal HostnamePlan(string name, Hostname source, CandidatePlan[] candidates, StaticMappingPlan[] mappings, ProbeSettings probes)
    {
        MetricStaleAfter = probes.MetricStaleAfter;
        LatencyStaleAfter = probes.LatencyStaleAfter;
        Name = name;
        Source = source;
        V4 = [.. candidates.Where(c => !c.IsV6)];
        V6 = [.. candidates.Where(c => c.IsV6)];
        StaticMappings = mappings;
        TtlSeconds = (uint)Math.Clamp(source.Ttl.TotalSeconds, 0, int.MaxValue);
    }

    public string Name { get; }

    public Hostname Source { get; }

    public CandidatePlan[] V4 { get; }

    public CandidatePlan[] V6 { get; }

    public StaticMappingPlan[] StaticMappings { get; }

    /// <summary>Region rules and geoproximity, or null when the hostname uses neither.</summary>
    public RegionPlan? Regions { get; internal init; }

    public uint TtlSeconds { get; }

    /// <summary>A service metric older than this counts as down (ProbeSettings.MetricStaleAfter).</summary>
    public TimeSpan MetricStaleAfter { get; }

    /// <summary>A latency older than this is still used but the group is queued for a new measurement.</summary>
    public TimeSpan LatencyStaleAfter { get; }

    public CandidatePlan[] For(bool v6) => v6 ? V6 : V4;
}

public sealed class CandidatePlan
{
    internal CandidatePlan(string hostname, Server server, IPAddress address, Candidate candidate, ServiceCheck? service, Pop? pop = null)
    {
        PopLatitude = pop?.Latitude ?? double.NaN;
        PopLongitude = pop?.Longitude ?? double.NaN;
        Hostname = hostname;
        ServerId = server.Id;
        PopId = server.PopId;
        Address = address.ToString();
        AddressBytes = address.GetAddressBytes();
        IsV6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        Key = new ServiceKey(server.Id, candidate.ServiceId);
        // A service the server does not declare can never be measured: it counts as down.
        IsNoLoad = service?.Type == ServiceType.NoLoad;
        IsKnownService = service is not null;
        Weight = Math.Max(0, candidate.Weight);
        Hidden = candidate.HiddenFailover;
    }

    public string Hostname { get; }

    public string ServerId { get; }

    public string PopId { get; }

    public string Address { get; }

    public byte[] AddressBytes { get; }

    public bool IsV6 { get; }

    public ServiceKey Key { get; }

    public bool IsNoLoad { get; }

    public bool IsKnownService { get; }

    public int Weight { get; }

    public bool Hidden { get; }

    /// <summary>Where the candidate's POP is (NaN when the configuration does not say): for geoproximity.</summary>
    public double PopLatitude { get; }

    public double PopLongitude { get; }
}

public sealed record StaticMappingPlan(ClientGroup Prefix, string[] ServerIds);
