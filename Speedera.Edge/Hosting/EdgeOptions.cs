using System.Net;

namespace Speedera.Edge.Hosting;

/// <summary>Everything an edge node is told at start-up; see <see cref="EdgeCommandLine"/> for the flags.</summary>
public sealed record EdgeOptions
{
    public required string NodeId { get; init; }

    /// <summary>Role names to run, lower case (dns, probe, cache, loadp).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Base address of the control plane; null when running from <see cref="ConfigFile"/>.</summary>
    public Uri? ControlPlane { get; init; }

    public string? NodeKey { get; init; }

    /// <summary>The control plane's public key: PEM or base64 SubjectPublicKeyInfo.</summary>
    public required string PublicKey { get; init; }

    /// <summary>A signed configuration envelope to run from instead of a control plane.</summary>
    public string? ConfigFile { get; init; }

    public required string DataDirectory { get; init; }

    /// <summary>The signed geo data file the dns role loads (and keeps current from the control plane); default under <see cref="DataDirectory"/>.</summary>
    public string? GeoDataFile { get; init; }

    public IPEndPoint DnsListen { get; init; } = IPEndPoint.Parse("127.0.0.1:8053");

    /// <summary>The dns role's query log file; none when null.</summary>
    public string? DnsQueryLog { get; init; }

    /// <summary>At most this many queries a second go into the query log.</summary>
    public int DnsQueryLogRate { get; init; } = 100;

    public IPEndPoint CacheListen { get; init; } = IPEndPoint.Parse("127.0.0.1:8080");

    /// <summary>More addresses the cache serves on (the embedded node answers for every demo server).</summary>
    public IReadOnlyList<IPEndPoint> CacheAlsoListen { get; init; } = [];

    public IPEndPoint MetricsListen { get; init; } = IPEndPoint.Parse("127.0.0.1:9100");

    public IPEndPoint LoadPListen { get; init; } = IPEndPoint.Parse("127.0.0.1:9200");

    /// <summary>The HMAC key of the metric exchange between probes and dns nodes (a secret; never in the configuration).</summary>
    public byte[]? ExchangeKey { get; init; }

    /// <summary>Local status endpoint (GET /status, /healthz); none when null.</summary>
    public IPEndPoint? StatusListen { get; init; }

    /// <summary>How long the control plane may hold a config long-poll open.</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan UploadInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Wait after a refused document or a failed request before asking again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    public string ConfigDirectory => Path.Combine(DataDirectory, "config");

    public string SpoolDirectory => Path.Combine(DataDirectory, "spool");
}
