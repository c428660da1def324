using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Speedera.Core.Configuration;

namespace Speedera.Web.Features.Domains;

/// <summary>What a customer may register as a hostname, and the names we derive from it.</summary>
public static class HostnameRules
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>Labels under the service zone that belong to the service itself.</summary>
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "ns", "ns1", "ns2", "ns3", "ns4", "www", "api", "admin", "portal", "noc", "mail", "smtp", "cdn", "status", "edge", "dns",
    };

    /// <summary>
    /// Lower-cases, strips a trailing dot and converts international names to their ASCII (punycode)
    /// form; returns an error message when the name cannot be a hostname (RFC 1035 §2.3.1, RFC 5891).
    /// </summary>
    public static bool TryNormalize(string? input, out string name, out string? error)
    {
        name = "";
        var raw = (input ?? "").Trim().TrimEnd('.');
        if (raw.Length == 0)
        {
            error = "Enter a hostname, such as images.example.com.";
            return false;
        }

        if (raw.Length > Limits.MaxDnsNameLength * 4)
        {
            error = $"The hostname is too long: at most {Limits.MaxDnsNameLength} characters.";
            return false;
        }

        try
        {
            name = Idn.GetAscii(raw).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = "That is not a valid hostname: use letters, digits and hyphens, with dots between labels.";
            return false;
        }

        if (name.Length > Limits.MaxDnsNameLength)
        {
            error = $"The hostname is too long: at most {Limits.MaxDnsNameLength} characters.";
            return false;
        }

        var labels = name.Split('.');
        if (labels.Length < 2)
        {
            error = "Enter a fully qualified hostname with at least two labels, such as images.example.com.";
            return false;
        }

        foreach (var label in labels)
        {
            if (!Syntax.IsValidHostLabel(label))
            {
                error = $"The label \"{label}\" is not valid: 1 to {Limits.MaxDnsLabelLength} letters, digits or hyphens, not starting or ending with a hyphen.";
                return false;
            }
        }

        if (labels[^1].All(char.IsAsciiDigit))
        {
            error = "A hostname cannot end in a number; IP addresses cannot be registered.";
            return false;
        }

        error = null;
        return true;
    }

    public static bool IsUnder(string name, string zone) =>
        name.EndsWith("." + zone, StringComparison.Ordinal);

    /// <summary>A name the customer may take under the service zone: one label, not reserved.</summary>
    public static string? ServiceZoneProblem(string name, string zone)
    {
        if (!IsUnder(name, zone))
        {
            return $"Names of this kind end in .{zone}.";
        }

        var label = name[..^(zone.Length + 1)];
        if (label.Contains('.', StringComparison.Ordinal))
        {
            return $"Choose a single label under {zone}, such as shop.{zone}.";
        }

        return Reserved.Contains(label) ? $"{name} is reserved for the service. Choose another name." : null;
    }

    /// <summary>
    /// The name in our zone a customer's own hostname is CNAMEd to: its labels joined by hyphens
    /// (<c>images.customer.com</c> → <c>images-customer-com.speedera.net</c>), or a hash when too long.
    /// </summary>
    public static string AliasFor(string name, string zone)
    {
        var label = name.Replace('.', '-');
        if (label.Length > Limits.MaxDnsLabelLength || label.Contains("--", StringComparison.Ordinal))
        {
            label = "h-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(name)))[..20];
        }

        return $"{label}.{zone}";
    }
}
