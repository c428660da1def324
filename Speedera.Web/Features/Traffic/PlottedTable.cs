using System.Text;
using Speedera.Web.Components.Shared;

namespace Speedera.Web.Features.Traffic;

/// <summary>One plotted column: a value per row (time or category); null leaves a gap.</summary>
public sealed record PlottedColumn(string Name, IReadOnlyList<double?> Values, bool Dashed = false);

/// <summary>
/// Exactly what one graph plots, as a table: the chart and its CSV export are both made from it, so the file
/// holds the plotted numbers and nothing else. Rows are times (time series) or <see cref="Categories"/> (bars).
/// </summary>
public sealed record PlottedTable(
    string Id,
    string Title,
    ChartUnit Unit,
    string Type,
    IReadOnlyList<DateTimeOffset> Times,
    IReadOnlyList<PlottedColumn> Columns,
    bool Stacked = false,
    IReadOnlyList<string>? Categories = null,
    IReadOnlyList<ChartMarker>? Markers = null)
{
    public bool HasData => Columns.Any(c => c.Values.Any(v => v is > 0));

    public ChartSpec ToSpec(string timeZone, bool dayLabels, int height = 240) => new()
    {
        Type = Type,
        Height = height,
        Unit = Unit,
        TimeZone = timeZone,
        DayLabels = dayLabels,
        Stacked = Stacked,
        Horizontal = Categories is not null,
        Categories = Categories,
        TimeSeries = Categories is null
            ? Columns.Select(c => new ChartSeries(c.Name, Times.Select((t, i) => new ChartPoint(t, c.Values[i])).ToList(), c.Dashed)).ToList()
            : [],
        CategorySeries = Categories is null ? [] : Columns.Select(c => (c.Name, (IReadOnlyList<double>)c.Values.Select(v => v ?? 0).ToList())).ToList(),
        Markers = Markers ?? [],
    };

    /// <summary>RFC 4180 CSV: a header, then one line per plotted row (UTC ISO 8601 times, or the category).</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder();
        csv.Append(Categories is null ? "time" : "category");
        foreach (var column in Columns)
        {
            csv.Append(',').Append(Csv.Field(column.Name));
        }

        csv.Append("\r\n");
        int rows = Categories?.Count ?? Times.Count;
        for (int r = 0; r < rows; r++)
        {
            csv.Append(Categories is null ? Csv.Time(Times[r]) : Csv.Field(Categories[r]));
            foreach (var column in Columns)
            {
                csv.Append(',').Append(Csv.Number(column.Values[r]));
            }

            csv.Append("\r\n");
        }

        return csv.ToString();
    }
}

/// <summary>The graphs of the traffic pages, each as a <see cref="PlottedTable"/>.</summary>
public static class TrafficCharts
{
    public static readonly string[] UsageCharts = ["bytes", "hits", "ratio", "origin", "status", "pops"];
    public static readonly string[] DecisionCharts = ["decisions", "reasons", "decision-pops", "visitors"];

    public static string StepText(TimeSpan step) => step.TotalHours >= 1 ? $"{step.TotalHours:0} h" : $"{step.TotalMinutes:0} min";

    public static PlottedTable? Usage(TrafficReport r, string id)
    {
        var times = r.Buckets.Select(b => b.Time).ToList();
        var markers = r.Midnights.Select(m => new ChartMarker(m.Time, m.Label)).ToList();
        var label = r.Range.ComparisonLabel();
        return id switch
        {
            "bytes" => new PlottedTable(id, $"Bytes served per {StepText(r.Step)}", ChartUnit.Bytes, "area", times,
                [new("Bytes served", r.Buckets.Select(b => (double?)b.BytesToClients).ToList()), new(label, r.Comparison.Select(b => (double?)b.BytesToClients).ToList(), Dashed: true)],
                Markers: markers),
            "hits" => new PlottedTable(id, "Hits per second", ChartUnit.Rate, "line", times,
                [new("Requests/s", r.Buckets.Select(b => (double?)b.RequestsPerSecond).ToList()), new(label, r.Comparison.Select(b => (double?)b.RequestsPerSecond).ToList(), Dashed: true)],
                Markers: markers),
            "ratio" => new PlottedTable(id, "Cache hit ratio and offload", ChartUnit.Percent, "line", times,
                [new("Hit ratio", r.Buckets.Select(b => b.HitRatio).ToList()), new("Offload (bytes not from origin)", r.Buckets.Select(b => b.Offload).ToList())],
                Markers: markers),
            "origin" => new PlottedTable(id, $"Bytes to clients and from origin per {StepText(r.Step)}", ChartUnit.Bytes, "area", times,
                [new("To clients", r.Buckets.Select(b => (double?)b.BytesToClients).ToList()), new("From origin", r.Buckets.Select(b => (double?)b.BytesFromOrigin).ToList())],
                Markers: markers),
            "status" => new PlottedTable(id, $"Responses by status class per {StepText(r.Step)}", ChartUnit.Count, "bar", times,
                [new("2xx", r.Buckets.Select(b => (double?)b.Status2xx).ToList()), new("3xx", r.Buckets.Select(b => (double?)b.Status3xx).ToList()),
                 new("4xx", r.Buckets.Select(b => (double?)b.Status4xx).ToList()), new("5xx", r.Buckets.Select(b => (double?)b.Status5xx).ToList())],
                Stacked: true, Markers: markers),
            "pops" => new PlottedTable(id, "Bytes served per location", ChartUnit.Bytes, "bar", [],
                [new("Bytes served", r.Pops.Select(p => (double?)p.Bytes).ToList())],
                Categories: r.Pops.Select(p => PopLabel(p)).ToList()),
            _ => null,
        };
    }

    public static PlottedTable? Decisions(DecisionReport r, string id)
    {
        var markers = r.Midnights.Select(m => new ChartMarker(m.Time, m.Label)).ToList();
        return id switch
        {
            "decisions" => new PlottedTable(id, $"Answers per address per {StepText(r.Step)}", ChartUnit.Count, "line", r.Times,
                r.Addresses.Select(a => new PlottedColumn(a, r.Times.Select(t => (double?)r.Count(t, a)).ToList())).ToList(),
                Markers: markers),
            "reasons" => new PlottedTable(id, $"Why: answers by decision reason per {StepText(r.Step)}", ChartUnit.Count, "bar", r.Times,
                r.Reasons.Select(reason => new PlottedColumn(reason, r.Times.Select(t => (double?)r.CountByReason(t, reason)).ToList())).ToList(),
                Stacked: true, Markers: markers),
            "decision-pops" => new PlottedTable(id, "Answers per location", ChartUnit.Count, "bar", [],
                [new("Answers", r.Pops.Select(p => (double?)p.Requests).ToList())],
                Categories: r.Pops.Select(p => PopLabel(p)).ToList()),
            "visitors" => VisitorTable(r),
            _ => null,
        };
    }

    private static PlottedTable VisitorTable(DecisionReport r)
    {
        var countries = r.Visitors.GroupBy(v => v.CountryName).Select(g => (Name: g.Key, Queries: g.Sum(v => v.Queries)))
            .OrderByDescending(c => c.Queries).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
        return new PlottedTable("visitors", "DNS queries by visitor country", ChartUnit.Count, "bar", [],
            [new("Queries", countries.Select(c => (double?)c.Queries).ToList())],
            Categories: countries.Select(c => c.Name).ToList());
    }

    public static string PopLabel(PopTraffic p) => p.City.Length > 0 ? $"{p.Name} ({p.City})" : p.Name;
}
