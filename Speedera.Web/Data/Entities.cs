using Microsoft.AspNetCore.Identity;
using Speedera.Core.Configuration;

namespace Speedera.Web.Data;

/// <summary>A tenant: a customer organization. Every customer-owned row carries its id.</summary>
public sealed class Organization
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public DateTime CreatedAt { get; set; }

    public List<ApplicationUser> Users { get; } = [];
}

public sealed class ApplicationUser : IdentityUser
{
    /// <summary>Null for staff (NOC, Finance, Admin) who belong to no customer organization.</summary>
    public Guid? OrganizationId { get; set; }

    public Organization? Organization { get; set; }

    [PersonalData]
    public string? DisplayName { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>What the user may do in <see cref="Organization"/>; null for staff.</summary>
    public OrganizationRole? OrganizationRole { get; set; }

    /// <summary>IANA time zone every time on the portal is shown in (null: the browser's, else UTC).</summary>
    public string? TimeZone { get; set; }
}

public sealed class PopEntity
{
    /// <summary>Short lower-case code, e.g. <c>sjc</c>.</summary>
    public required string Id { get; set; }

    public required string Name { get; set; }

    public required string City { get; set; }

    /// <summary>ISO 3166-1 alpha-2 country code.</summary>
    public required string Country { get; set; }

    public double Latitude { get; set; }

    public double Longitude { get; set; }

    /// <summary>The network the POP sits in, e.g. "Exodus".</summary>
    public required string Network { get; set; }

    public List<ServerEntity> Servers { get; } = [];
}

/// <summary>A Speedera server in a POP (cache, DNS, probe host).</summary>
public sealed class ServerEntity
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public required string PopId { get; set; }

    public PopEntity? Pop { get; set; }

    public required string Address { get; set; }

    public bool Enabled { get; set; } = true;

    public List<ServerServiceEntity> Services { get; } = [];
}

/// <summary>A service a server offers and how probes test it.</summary>
public sealed class ServerServiceEntity
{
    public Guid Id { get; set; }

    public Guid ServerId { get; set; }

    public ServerEntity? Server { get; set; }

    public ServiceType Type { get; set; }

    public int Port { get; set; }

    public string? Path { get; set; }

    public int ExpectedStatus { get; set; } = 200;

    public string? ExpectedContent { get; set; }

    public TimeSpan Interval { get; set; }

    public TimeSpan Timeout { get; set; }
}

/// <summary>A message waiting in (or sent from) the outbox.</summary>
public sealed class EmailMessage
{
    public Guid Id { get; set; }

    public required string To { get; set; }

    public required string Subject { get; set; }

    public required string HtmlBody { get; set; }

    public required string TextBody { get; set; }

    public DateTime CreatedAt { get; set; }

    public int Attempts { get; set; }

    public DateTime NextAttemptAt { get; set; }

    public DateTime? SentAt { get; set; }

    public string? LastError { get; set; }

    public List<Features.Email.EmailAttachment> Attachments { get; } = [];
}
