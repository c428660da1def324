namespace Speedera.Core.Geo;

/// <summary>Great-circle distances on a spherical Earth (haversine): plenty for choosing the nearest POP.</summary>
public static class GeoDistance
{
    public const double EarthRadiusKm = 6371.0088;

    public static double Kilometres(double lat1, double lon1, double lat2, double lon2)
    {
        double p1 = lat1 * (Math.PI / 180), p2 = lat2 * (Math.PI / 180);
        double dp = p2 - p1, dl = (lon2 - lon1) * (Math.PI / 180);
        double a = (Math.Sin(dp / 2) * Math.Sin(dp / 2)) + (Math.Cos(p1) * Math.Cos(p2) * Math.Sin(dl / 2) * Math.Sin(dl / 2));
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>
    /// Route 53's geoproximity bias: a positive bias (1..99) shrinks the distance to a POP so its area grows,
    /// a negative one (-99..-1) stretches it so its area shrinks.
    /// </summary>
    public static double Biased(double kilometres, int bias) => kilometres * (1 - (Math.Clamp(bias, -99, 99) / 100.0));
}
