using System.Text.RegularExpressions;

namespace Speedera.Core.Billing;

/// <summary>
/// Format check of VAT identification numbers (EU member states as VIES lists them, plus GB, XI and CH).
/// A format check only: whether the number is registered is VIES's answer, not ours.
/// </summary>
public static partial class VatIds
{
    public static readonly IReadOnlySet<string> EuCountries = new HashSet<string>(StringComparer.Ordinal)
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
        "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    };

    private static readonly Dictionary<string, Regex> Patterns = new(StringComparer.Ordinal)
    {
        ["AT"] = Pattern("U[0-9]{8}"),
        ["BE"] = Pattern("[01][0-9]{9}"),
        ["BG"] = Pattern("[0-9]{9,10}"),
        ["CY"] = Pattern("[0-9]{8}[A-Z]"),
        ["CZ"] = Pattern("[0-9]{8,10}"),
        ["DE"] = Pattern("[0-9]{9}"),
        ["DK"] = Pattern("[0-9]{8}"),
        ["EE"] = Pattern("[0-9]{9}"),
        ["EL"] = Pattern("[0-9]{9}"),
        ["ES"] = Pattern("[A-Z0-9][0-9]{7}[A-Z0-9]"),
        ["FI"] = Pattern("[0-9]{8}"),
        ["FR"] = Pattern("[A-HJ-NP-Z0-9]{2}[0-9]{9}"),
        ["HR"] = Pattern("[0-9]{11}"),
        ["HU"] = Pattern("[0-9]{8}"),
        ["IE"] = Pattern("[0-9][A-Z0-9+*][0-9]{5}[A-W][A-I]?"),
        ["IT"] = Pattern("[0-9]{11}"),
        ["LT"] = Pattern("([0-9]{9}|[0-9]{12})"),
        ["LU"] = Pattern("[0-9]{8}"),
        ["LV"] = Pattern("[0-9]{11}"),
        ["MT"] = Pattern("[0-9]{8}"),
        ["NL"] = Pattern("[0-9]{9}B[0-9]{2}"),
        ["PL"] = Pattern("[0-9]{10}"),
        ["PT"] = Pattern("[0-9]{9}"),
        ["RO"] = Pattern("[0-9]{2,10}"),
        ["SE"] = Pattern("[0-9]{10}01"),
        ["SI"] = Pattern("[0-9]{8}"),
        ["SK"] = Pattern("[0-9]{10}"),
        ["GB"] = Pattern("([0-9]{9}|[0-9]{12}|GD[0-4][0-9]{2}|HA[5-9][0-9]{2})"),
        ["XI"] = Pattern("([0-9]{9}|[0-9]{12}|GD[0-4][0-9]{2}|HA[5-9][0-9]{2})"),
        ["CH"] = Pattern("E[0-9]{9}(MWST|TVA|IVA)?"),
    };

    /// <summary>
    /// Upper-cases and strips spaces, dots and dashes, then checks the country's pattern.
    /// <paramref name="country"/> is the ISO code of the prefix (EL → GR, XI → GB).
    /// </summary>
    public static bool TryNormalize(string? input, out string normalized, out string country)
    {
        normalized = "";
        country = "";
        if (string.IsNullOrWhiteSpace(input))
        {
            return false;
        }

        var compact = new string(input.Where(c => c is not (' ' or '.' or '-')).ToArray()).ToUpperInvariant();
        if (compact.Length < 4 || !Patterns.TryGetValue(compact[..2], out var pattern) || !pattern.IsMatch(compact[2..]))
        {
            return false;
        }

        normalized = compact;
        country = compact[..2] switch { "EL" => "GR", "XI" => "GB", var c => c };
        return true;
    }

    private static Regex Pattern(string body) => new($"^{body}$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
}
