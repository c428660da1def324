using Speedera.Core.Cache;
using Speedera.Core.Configuration;

namespace Speedera.Edge.Cache;

/// <summary>Where a CDN hostname's content comes from, derived once per configuration version.</summary>
internal sealed class HostRoute
{
    public HostRoute(string hostname, CacheSettings settings, FreshnessDefaults freshness)
    {
        Hostname = hostname;
        Settings = settings;
        Freshness = freshness;
        OriginHostHeader = string.IsNullOrEmpty(settings.OriginHostHeader) ? hostname : settings.OriginHostHeader;
        var scheme = string.IsNullOrEmpty(settings.OriginScheme) ? "http" : settings.OriginScheme.ToLowerInvariant();
        var host = settings.Origin.Contains(':', StringComparison.Ordinal) && !settings.Origin.StartsWith('[') ? $"[{settings.Origin}]" : settings.Origin;
        OriginKey = $"{scheme}://{host}:{settings.OriginPort}";
    }

    /// <summary>The canonical (configured) hostname; cache keys and usage rows use it, whatever alias was asked for.</summary>
    public string Hostname { get; }

    public CacheSettings Settings { get; }

    public FreshnessDefaults Freshness { get; }

    public string OriginHostHeader { get; }

    /// <summary><c>scheme://host:port</c> of the origin: one connection pool and one concurrency limit each.</summary>
    public string OriginKey { get; }
}

/// <summary>An immutable lookup table for one configuration version: CDN hostnames and aliases to routes.</summary>
internal sealed class CacheRouting
{
    private readonly Dictionary<string, HostRoute> _routes;
    private readonly Dictionary<string, HostRoute>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public static CacheRouting Empty { get; } = new(null, FreshnessDefaults.Rfc.HeuristicCap);

    public CacheRouting(NetworkConfiguration? configuration, TimeSpan heuristicCap)
    {
        Configuration = configuration;
        _routes = new Dictionary<string, HostRoute>(StringComparer.OrdinalIgnoreCase);
        if (configuration is not null)
        {
            foreach (var hostname in configuration.Hostnames)
            {
                if ((hostname.Services & HostnameServices.Cdn) == 0 || hostname.Cache is not { } settings)
                {
                    continue;
                }

                var route = new HostRoute(
                    hostname.Name.ToLowerInvariant(),
                    settings,
                    new FreshnessDefaults(settings.DefaultTtl, settings.HonorOriginHeaders, heuristicCap));
                _routes[route.Hostname] = route;
                foreach (var alias in settings.Aliases)
                {
                    _routes.TryAdd(alias.TrimEnd('.'), route);
                }
            }
        }

        _lookup = _routes.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public NetworkConfiguration? Configuration { get; }

    public int Count => _routes.Count;

    public IEnumerable<HostRoute> Routes => _routes.Values.Distinct();

    public bool TryGet(ReadOnlySpan<char> name, out HostRoute route) => _lookup.TryGetValue(name, out route!);

    /// <summary>
    /// The patent's two request forms: path form (<c>/www.customer.com/images/test.gif</c> on any host) and virtual hosting
    /// (<c>Host: www.customer.com</c>); an absolute-form target names the host in the URI.
    /// </summary>
    public bool TryRoute(ReadOnlySpan<char> host, string target, out HostRoute route, out string path)
    {
        if (target.Length > 0 && target[0] == '/')
        {
            if (CacheKey.TryParsePathForm(target, out var segment, out var originPath) && TryGet(segment, out route))
            {
                path = originPath;
                return true;
            }

            path = target;
            return TryGet(CacheKey.HostWithoutPort(host), out route);
        }

        if (Uri.TryCreate(target, UriKind.Absolute, out var uri) && TryGet(uri.IdnHost.AsSpan(), out route))
        {
            path = uri.PathAndQuery;
            return true;
        }

        route = null!;
        path = target;
        return false;
    }
}

/// <summary>
/// Turns a configuration source into routing tables. A new configuration object is noticed on the next request and
/// swapped in whole; a request keeps the table it started with, so requests in flight finish on the old one.
/// </summary>
internal sealed class CacheRoutingSource
{
    private readonly Func<NetworkConfiguration?> _source;
    private readonly TimeSpan _heuristicCap;
    private readonly Action<CacheRouting> _applied;
    private readonly Lock _gate = new();
    private volatile CacheRouting _current = CacheRouting.Empty;

    public CacheRoutingSource(Func<NetworkConfiguration?> source, TimeSpan heuristicCap, Action<CacheRouting> applied)
    {
        _source = source;
        _heuristicCap = heuristicCap;
        _applied = applied;
    }

    public CacheRouting Current
    {
        get
        {
            var configuration = _source();
            var current = _current;
            if (ReferenceEquals(configuration, current.Configuration))
            {
                return current;
            }

            lock (_gate)
            {
                current = _current;
                if (!ReferenceEquals(configuration, current.Configuration))
                {
                    current = new CacheRouting(configuration, _heuristicCap);
                    _current = current;
                    _applied(current);
                }

                return current;
            }
        }
    }
}

/// <summary>A holder for callers that push configurations rather than supply a function.</summary>
public sealed class CacheConfigurationHolder
{
    private volatile NetworkConfiguration? _current;

    public CacheConfigurationHolder(NetworkConfiguration? initial = null) => _current = initial;

    public NetworkConfiguration? Current => _current;

    /// <summary>Applies a configuration atomically; older versions than the current one are ignored.</summary>
    public bool Update(NetworkConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        while (true)
        {
            var current = _current;
            if (current is not null && configuration.Version < current.Version)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, configuration, current) == current)
            {
                return true;
            }
        }
    }
}
