using System.Globalization;

namespace Speedera.Tests.Support;

/// <summary>Reads values out of a Prometheus text-format scrape.</summary>
internal static class PrometheusText
{
    /// <summary>The sum of every sample of <paramref name="name"/> whose labels contain each of <paramref name="labels"/> (e.g. <c>dns_rcode="NOERROR"</c>).</summary>
    public static double Sum(string scrape, string name, params string[] labels) =>
        Samples(scrape, name).Where(s => labels.All(label => s.Labels.Contains(label, StringComparison.Ordinal))).Sum(s => s.Value);

    /// <summary>Whether the scrape has a sample of <paramref name="name"/> at all.</summary>
    public static bool Has(string scrape, string name) => Samples(scrape, name).Any();

    private static IEnumerable<(string Labels, double Value)> Samples(string scrape, string name)
    {
        foreach (var line in scrape.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' '))
            {
                continue;
            }

            // name{labels} value [timestamp]
            // Label values may hold braces (route templates), the value and timestamp never do.
            var labelsEnd = line[name.Length] == '{' ? line.LastIndexOf('}') + 1 : name.Length;
            var labels = line[name.Length..labelsEnd];
            var value = line[labelsEnd..].Trim().Split(' ')[0];
            yield return (labels, double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
    }
}
