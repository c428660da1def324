using System.Globalization;

namespace Speedera.Web.Features.Billing;

/// <summary>Billing periods are calendar months in UTC.</summary>
public static class BillingPeriods
{
    public static DateTime MonthStart(DateTime at) => new(at.Year, at.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    public static DateTime NextMonth(DateTime monthStart) => monthStart.AddMonths(1);

    public static string Label(DateTime monthStart) => monthStart.ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    public static string Key(Guid organizationId, DateTime monthStart) =>
        $"{organizationId:N}/{monthStart.ToString("yyyy-MM", CultureInfo.InvariantCulture)}";

    public static bool TryParseMonth(string? text, out DateTime monthStart)
    {
        var ok = DateTime.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed);
        monthStart = ok ? MonthStart(parsed) : default;
        return ok;
    }
}
