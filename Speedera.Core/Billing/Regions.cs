namespace Speedera.Core.Billing;

/// <summary>Where a POP sits, for regional delivery prices (bandwidth costs differ by continent).</summary>
public enum BillingRegion
{
    NorthAmerica,
    Europe,
    SouthAmerica,
    AsiaPacific,
    Other,
}

public static class BillingRegions
{
    private static readonly Dictionary<string, BillingRegion> ByCountry = Build();

    /// <summary>The region of an ISO 3166-1 alpha-2 country code; unknown codes are <see cref="BillingRegion.Other"/>.</summary>
    public static BillingRegion OfCountry(string? country) =>
        country is not null && ByCountry.TryGetValue(country.ToUpperInvariant(), out var region) ? region : BillingRegion.Other;

    public static string DisplayName(BillingRegion region) => region switch
    {
        BillingRegion.NorthAmerica => "North America",
        BillingRegion.Europe => "Europe",
        BillingRegion.SouthAmerica => "South America",
        BillingRegion.AsiaPacific => "Asia-Pacific",
        _ => "Other regions",
    };

    private static Dictionary<string, BillingRegion> Build()
    {
        var map = new Dictionary<string, BillingRegion>(StringComparer.Ordinal);
        void Add(BillingRegion region, string codes)
        {
            foreach (var code in codes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                map[code] = region;
            }
        }

        Add(BillingRegion.NorthAmerica, "US CA MX");
        Add(BillingRegion.Europe, "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK GB CH NO IS LI");
        Add(BillingRegion.SouthAmerica, "BR AR CL CO PE UY PY BO EC VE");
        Add(BillingRegion.AsiaPacific, "JP KR CN HK TW SG MY TH ID PH VN IN AU NZ");
        return map;
    }
}
