using System.Text.Json.Serialization;

namespace Speedera.Web.Components.Shared;

/// <summary>How a chart's values are formatted by the island (bytes as kB/MB/GB, rates as n/s, ...).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChartUnit>))]
public enum ChartUnit
{
    [JsonStringEnumMemberName("bytes")]
    Bytes,
    [JsonStringEnumMemberName("bitrate")]
    BitRate,
    [JsonStringEnumMemberName("rate")]
    Rate,
    [JsonStringEnumMemberName("percent")]
    Percent,
    [JsonStringEnumMemberName("count")]
    Count,
}

/// <summary>A time series: (UTC milliseconds since the epoch, value) points; <see cref="Dashed"/> draws a comparison.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points, bool Dashed = false, string? Color = null);

/// <summary>A point of a time series; null values leave a gap.</summary>
[JsonConverter(typeof(ChartPointConverter))]
public readonly record struct ChartPoint(DateTimeOffset Time, double? Value);

/// <summary>A vertical dotted line with a label (e.g. midnight in the viewer's time zone).</summary>
public sealed record ChartMarker(DateTimeOffset Time, string Label);

/// <summary>Everything the chart island needs to draw one chart: data only, no script.</summary>
public sealed record ChartSpec
{
    public string Type { get; init; } = "area";

    public int Height { get; init; } = 260;

    public ChartUnit Unit { get; init; } = ChartUnit.Count;

    /// <summary>IANA time zone the axis and tooltips are labelled in.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>Axis labels include the day (ranges longer than a day).</summary>
    public bool DayLabels { get; init; }

    public bool Stacked { get; init; }

    public bool Horizontal { get; init; }

    public IReadOnlyList<ChartSeries> TimeSeries { get; init; } = [];

    /// <summary>For bar charts: category names, each series giving one value per category.</summary>
    public IReadOnlyList<string>? Categories { get; init; }

    public IReadOnlyList<(string Name, IReadOnlyList<double> Values)> CategorySeries { get; init; } = [];

    public IReadOnlyList<ChartMarker> Markers { get; init; } = [];

    /// <summary>The JSON object charts.ts reads.</summary>
    internal object ToIsland() => new
    {
        type = Type,
        height = Height,
        unit = Unit,
        timeZone = TimeZone,
        dayLabels = DayLabels,
        stacked = Stacked,
        horizontal = Horizontal,
        categories = Categories,
        series = Categories is null
            ? TimeSeries.Select(s => (object)new { name = s.Name, points = s.Points, dashed = s.Dashed, color = s.Color }).ToList()
            : CategorySeries.Select(s => (object)new { name = s.Name, values = s.Values }).ToList(),
        markers = Markers.Select(m => new { x = m.Time.ToUnixTimeMilliseconds(), label = m.Label }).ToList(),
    };
}

internal sealed class ChartPointConverter : JsonConverter<ChartPoint>
{
    public override ChartPoint Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        throw new NotSupportedException("Chart points are only written.");

    public override void Write(System.Text.Json.Utf8JsonWriter writer, ChartPoint value, System.Text.Json.JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.Time.ToUnixTimeMilliseconds());
        if (value.Value is { } v && double.IsFinite(v))
        {
            writer.WriteNumberValue(Math.Round(v, 4));
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteEndArray();
    }
}
