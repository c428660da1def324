using Speedera.Core.Configuration;

namespace Speedera.Web.Data;

public enum HostnameKind
{
    /// <summary>A name under the service's own zone, e.g. <c>shop.speedera.net</c>.</summary>
    ServiceZone,

    /// <summary>The customer's own name, CNAMEd or delegated to us.</summary>
    CustomerOwned,
}

public enum VerificationState
{
    Pending,
    Active,
    Failed,

    /// <summary>
    /// A claim on a customer's own name that can no longer win: another organization proved control first,
    /// or it expired unverified. <see cref="HostnameEntity.VerificationError"/> says which.
    /// </summary>
    Ended,
}

/// <summary>A customer hostname with its traffic management and CDN settings.</summary>
public sealed class HostnameEntity
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Organization? Organization { get; set; }

    /// <summary>Lower-case fully qualified name without the trailing dot.</summary>
    public required string Name { get; set; }

    public HostnameKind Kind { get; set; }

    /// <summary>For a customer's own name: the name in our zone it is CNAMEd to.</summary>
    public string? Alias { get; set; }

    public HostnameServices Services { get; set; }

    public VerificationState Verification { get; set; }

    public string? VerificationError { get; set; }

    /// <summary>
    /// This claim's secret for the TXT record <c>_speedera-challenge.&lt;name&gt;</c>: unverified claims on the same
    /// name are not exclusive, and the token (like the claim's own alias) tells whose claim a record proves.
    /// </summary>
    public string ChallengeToken { get; set; } = "";

    public DateTime? VerifiedAt { get; set; }

    public int TtlSeconds { get; set; } = 30;

    public bool UseLatency { get; set; } = true;

    public bool PersistenceEnabled { get; set; }

    public TimeSpan PersistenceAccessTimeout { get; set; } = TimeSpan.FromSeconds(300);

    public TimeSpan PersistenceRefreshTimeout { get; set; } = TimeSpan.FromSeconds(3600);

    public ServiceType TestType { get; set; } = ServiceType.Http;

    public int TestPort { get; set; } = 80;

    public string? TestPath { get; set; } = "/";

    public int TestExpectedStatus { get; set; } = 200;

    public string? TestExpectedContent { get; set; }

    public TimeSpan TestInterval { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan TestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public string? Origin { get; set; }

    public string OriginScheme { get; set; } = "http";

    public int OriginPort { get; set; } = 80;

    public string? OriginHostHeader { get; set; }

    public TimeSpan CacheDefaultTtl { get; set; } = TimeSpan.FromHours(1);

    public bool HonorOriginHeaders { get; set; } = true;

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    // Populated when a page hands a loaded hostname from pre-rendering to its circuit ([PersistentState]).
    [System.Text.Json.Serialization.JsonObjectCreationHandling(System.Text.Json.Serialization.JsonObjectCreationHandling.Populate)]
    public List<HostnameAddress> Addresses { get; } = [];
}

/// <summary>A customer server address a GTM hostname hands out.</summary>
public sealed class HostnameAddress
{
    public Guid Id { get; set; }

    public Guid HostnameId { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public HostnameEntity? Hostname { get; set; }

    public required string Address { get; set; }

    public string? Description { get; set; }

    /// <summary>The POP nearest the server, used for latency-based choice.</summary>
    public required string PopId { get; set; }

    public int Weight { get; set; } = 1;

    public bool HiddenFailover { get; set; }
}
