namespace Speedera.Web.Data;

/// <summary>The portal's roles and the authorization policies built on them.</summary>
public static class Roles
{
    public const string Customer = "Customer";
    public const string Noc = "NOC";
    public const string Finance = "Finance";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [Customer, Noc, Finance, Admin];

    /// <summary>Policy names: staff roles also pass for Admin.</summary>
    public static class Policies
    {
        /// <summary>A customer organization's owners and technical members: domains, GTM, content, keys.</summary>
        public const string Customer = "CustomerOnly";

        /// <summary>Any member of a customer organization, whatever their role in it.</summary>
        public const string CustomerMember = "CustomerMember";

        /// <summary>A customer organization's owners and billing members: invoices.</summary>
        public const string CustomerBilling = "CustomerBilling";

        /// <summary>A customer organization's owners: members and invitations.</summary>
        public const string CustomerOwner = "CustomerOwner";
        public const string Noc = "NocOrAdmin";
        public const string Finance = "FinanceOrAdmin";
        public const string Admin = "AdminOnly";
    }
}
