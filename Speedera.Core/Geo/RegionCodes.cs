namespace Speedera.Core.Geo;

/// <summary>Which region codes a rule may name: continents, ISO 3166-1 alpha-2 countries, ISO 3166-2 US states and Canadian provinces.</summary>
public static class RegionCodes
{
    // ISO 3166-1 alpha-2 as listed by world-countries (tools/geodata), plus XK (Kosovo), which DB-IP uses.
    private static readonly HashSet<string> CountryCodes = new((
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ " +
        "BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR " +
        "CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
        "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU " +
        "ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ " +
        "LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ " +
        "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF " +
        "PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI " +
        "SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR " +
        "TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW " + " XK").Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    private static readonly HashSet<string> SubdivisionCodes = new(
        "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR UM VI".Split(' ').Select(s => "US-" + s)
            .Concat("AB BC MB NB NL NS NT NU ON PE QC SK YT".Split(' ').Select(s => "CA-" + s)),
        StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Countries => CountryCodes;

    public static IReadOnlyCollection<string> Subdivisions => SubdivisionCodes;

    public static bool IsValid(Configuration.RegionKind kind, string? code) => code is not null && kind switch
    {
        Configuration.RegionKind.Continent => Continents.IsValid(code),
        Configuration.RegionKind.Country => CountryCodes.Contains(code),
        Configuration.RegionKind.Subdivision => SubdivisionCodes.Contains(code),
        _ => false,
    };

    public static string Describe(Configuration.RegionKind kind) => kind switch
    {
        Configuration.RegionKind.Continent => "continent code (AF, AN, AS, EU, NA, OC, SA)",
        Configuration.RegionKind.Country => "ISO 3166-1 alpha-2 country code",
        Configuration.RegionKind.Subdivision => "US state or Canadian province code (ISO 3166-2, e.g. US-VA)",
        _ => "region kind",
    };
}
