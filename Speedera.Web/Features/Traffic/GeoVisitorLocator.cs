using Speedera.Core.Gtm;
using Speedera.Web.Features.Gtm.Geo;

namespace Speedera.Web.Features.Traffic;

/// <summary>Places client subnets with the control plane's geo data (DB-IP country data, CC BY 4.0), the same the dns nodes use.</summary>
public sealed class GeoVisitorLocator(GeoDataService geo) : IVisitorLocator
{
    public string? Attribution => geo.Holder.Current is { } db ? $"Visitor countries: {db.Attribution}" : null;

    public (string Code, string Name)? Locate(string clientSubnet)
    {
        if (geo.Holder.Current is not { } db || !ClientGroup.TryParse(clientSubnet, out var group))
        {
            return null;
        }

        var location = db.Lookup(new ClientAddress(group.IsV6, group.Prefix));
        if (!location.IsKnown)
        {
            return null;
        }

        var country = db.Country(location);
        return (country.Code, country.Name);
    }
}
