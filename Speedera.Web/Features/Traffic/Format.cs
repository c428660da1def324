using System.Globalization;

namespace Speedera.Web.Features.Traffic;

/// <summary>Figures as the pages print them (decimal units, as the charts do).</summary>
public static class Format
{
    private static readonly string[] Prefixes = ["", "k", "M", "G", "T", "P"];

    public static string Bytes(double bytes) => Scaled(bytes, "B");

    public static string BitRate(double bitsPerSecond) => Scaled(bitsPerSecond, "bit/s");

    public static string Count(double value) => value >= 10_000 ? Scaled(value, "").TrimEnd() : value.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Scaled(double value, string unit)
    {
        int i = 0;
        double v = Math.Abs(value);
        while (v >= 1000 && i < Prefixes.Length - 1)
        {
            v /= 1000;
            i++;
        }

        var digits = i == 0 || v >= 100 ? "0" : v >= 10 ? "0.0" : "0.00";
        return $"{(value < 0 ? "-" : "")}{v.ToString(digits, CultureInfo.InvariantCulture)} {Prefixes[i]}{unit}";
    }
}
