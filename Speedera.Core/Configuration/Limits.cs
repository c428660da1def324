namespace Speedera.Core.Configuration;

/// <summary>
/// The one set of limits for what the network document may hold. The validator enforces them on
/// every document; the portal's forms and the REST API check and show the same values, so anything
/// a customer can save can also be published.
/// </summary>
public static class Limits
{
    /// <summary>DNS answer TTL of a GTM hostname; short, so failover reaches resolvers quickly.</summary>
    public static readonly TimeSpan MinHostnameTtl = TimeSpan.Zero;
    public static readonly TimeSpan MaxHostnameTtl = TimeSpan.FromDays(1);

    /// <summary>TTL of static zone records, NS records and the SOA.</summary>
    public static readonly TimeSpan MaxRecordTtl = TimeSpan.FromDays(7);

    public static readonly TimeSpan MinServiceInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxServiceInterval = TimeSpan.FromHours(1);

    /// <summary>Probe timeouts; a service's timeout may also not exceed its interval.</summary>
    public static readonly TimeSpan MinProbeTimeout = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxProbeTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Persistence access and refresh timeouts (refresh is also at least access).</summary>
    public static readonly TimeSpan MinPersistenceTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxPersistenceTimeout = TimeSpan.FromDays(1);

    public static readonly TimeSpan MaxCacheTtl = TimeSpan.FromDays(365);

    /// <summary>
    /// A candidate's weight is its relative share among comparable answers: 0 takes no share while a
    /// comparable candidate has weight, and at least one visible candidate must weigh more than 0.
    /// </summary>
    public const int MinWeight = 0;
    public const int MaxWeight = 1000;

    public const int MaxSendSize = 10_000;

    public const int MinPort = 1;
    public const int MaxPort = 65535;

    /// <summary>RFC 1035 section 2.3.4: 63 octets per label, 255 on the wire, so 253 characters as text.</summary>
    public const int MaxDnsNameLength = 253;
    public const int MaxDnsLabelLength = 63;

    /// <summary>Node, POP, server and service ids.</summary>
    public const int MaxIdLength = 64;

    /// <summary>Whole seconds inside a limit, for forms that take seconds (rounded inwards).</summary>
    public static int MinSeconds(TimeSpan min) => (int)Math.Max(0, Math.Ceiling(min.TotalSeconds));

    public static int MaxSeconds(TimeSpan max) => (int)Math.Floor(max.TotalSeconds);
}
