using System.ComponentModel.DataAnnotations;
using Speedera.Core.Configuration;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Domains;

/// <summary>The outcome of a change: field errors (for forms and RFC 9457 problems) or success.</summary>
public sealed record DomainResult(bool Succeeded, bool NotFound, IReadOnlyDictionary<string, string[]> Errors, long? PublishedVersion, Guid? Id = null)
{
    public static DomainResult Missing { get; } = new(false, true, new Dictionary<string, string[]>(), null);

    public static DomainResult Invalid(string field, string message) =>
        new(false, false, new Dictionary<string, string[]> { [field] = [message] }, null);

    public static DomainResult Invalid(IReadOnlyDictionary<string, string[]> errors) => new(false, false, errors, null);

    public static DomainResult Ok(long? version, Guid? id = null) => new(true, false, new Dictionary<string, string[]>(), version, id);

    public string Message => string.Join(" ", Errors.Values.SelectMany(v => v));
}

public sealed class AddDomainInput
{
    [Required(ErrorMessage = "Enter a hostname.")]
    [StringLength(Limits.MaxDnsNameLength, ErrorMessage = "The hostname is too long: at most {1} characters.")]
    public string Name { get; set; } = "";

    public HostnameKind Kind { get; set; } = HostnameKind.ServiceZone;

    public bool Cdn { get; set; }

    public bool Gtm { get; set; } = true;

    [StringLength(Limits.MaxDnsNameLength)]
    public string? Origin { get; set; }
}

public sealed class AddressInput
{
    public string Address { get; set; } = "";

    public string? Description { get; set; }

    public string PopId { get; set; } = "";

    public int Weight { get; set; } = 1;

    public bool HiddenFailover { get; set; }
}

/// <summary>Traffic management settings of one hostname (the patent's GTM form).</summary>
public sealed class GtmSettingsInput
{
    public List<AddressInput> Addresses { get; set; } = [];

    public ServiceType TestType { get; set; } = ServiceType.Http;

    public int TestPort { get; set; } = 80;

    public string? TestPath { get; set; } = "/";

    public int TestExpectedStatus { get; set; } = 200;

    public string? TestExpectedContent { get; set; }

    public int TestIntervalSeconds { get; set; } = 10;

    public int TestTimeoutSeconds { get; set; } = 5;

    public int TtlSeconds { get; set; } = 30;

    public bool UseLatency { get; set; } = true;

    public bool PersistenceEnabled { get; set; }

    public int PersistenceAccessTimeoutSeconds { get; set; } = 300;

    public int PersistenceRefreshTimeoutSeconds { get; set; } = 3600;

    public static GtmSettingsInput From(HostnameEntity h) => new()
    {
        Addresses = [.. h.Addresses.OrderBy(a => a.HiddenFailover).ThenBy(a => a.Address, StringComparer.Ordinal).Select(a => new AddressInput
        {
            Address = a.Address,
            Description = a.Description,
            PopId = a.PopId,
            Weight = a.Weight,
            HiddenFailover = a.HiddenFailover,
        })],
        TestType = h.TestType,
        TestPort = h.TestPort,
        TestPath = h.TestPath,
        TestExpectedStatus = h.TestExpectedStatus,
        TestExpectedContent = h.TestExpectedContent,
        TestIntervalSeconds = (int)h.TestInterval.TotalSeconds,
        TestTimeoutSeconds = (int)h.TestTimeout.TotalSeconds,
        TtlSeconds = h.TtlSeconds,
        UseLatency = h.UseLatency,
        PersistenceEnabled = h.PersistenceEnabled,
        PersistenceAccessTimeoutSeconds = (int)h.PersistenceAccessTimeout.TotalSeconds,
        PersistenceRefreshTimeoutSeconds = (int)h.PersistenceRefreshTimeout.TotalSeconds,
    };
}

/// <summary>CDN settings of one hostname: where the caches fetch from and how long they keep it.</summary>
public sealed class CdnSettingsInput
{
    public string Origin { get; set; } = "";

    public string OriginScheme { get; set; } = "http";

    public int OriginPort { get; set; } = 80;

    public string? OriginHostHeader { get; set; }

    public int DefaultTtlSeconds { get; set; } = 3600;

    public bool HonorOriginHeaders { get; set; } = true;

    public static CdnSettingsInput From(HostnameEntity h) => new()
    {
        Origin = h.Origin ?? "",
        OriginScheme = h.OriginScheme,
        OriginPort = h.OriginPort,
        OriginHostHeader = h.OriginHostHeader,
        DefaultTtlSeconds = (int)h.CacheDefaultTtl.TotalSeconds,
        HonorOriginHeaders = h.HonorOriginHeaders,
    };
}
