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
        public const string Customer = "CustomerOnly";
        public const string Noc = "NocOrAdmin";
        public const string Finance = "FinanceOrAdmin";
        public const string Admin = "AdminOnly";
    }
}
