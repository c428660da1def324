namespace Speedera.Web.Data;

/// <summary>A member's role within their customer organization.</summary>
public enum OrganizationRole
{
    /// <summary>Everything, including members and invitations.</summary>
    Owner,

    /// <summary>Domains, traffic management, content, page checks, traffic, API keys.</summary>
    Technical,

    /// <summary>Invoices only.</summary>
    Billing,
}
