using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Speedera.Core.Configuration;

/// <summary>What changed between two documents, per section, for the configuration history.</summary>
public sealed record SectionChange(string Section, IReadOnlyList<string> Added, IReadOnlyList<string> Removed, IReadOnlyList<string> Changed)
{
    public bool Any => Added.Count + Removed.Count + Changed.Count > 0;
}

public static class NetworkConfigurationDiff
{
    public static IReadOnlyList<SectionChange> Compare(NetworkConfiguration? before, NetworkConfiguration after)
    {
        ArgumentNullException.ThrowIfNull(after);
        before = before is null ? null : NetworkConfigurationCanonicalizer.Canonicalize(before);
        after = NetworkConfigurationCanonicalizer.Canonicalize(after);
        var ctx = NetworkConfigurationJsonContext.Default;
        List<SectionChange> changes =
        [
            Section("POPs", before?.Pops, after.Pops, p => p.Id, ctx.Pop),
            Section("servers", before?.Servers, after.Servers, s => s.Id, ctx.Server),
            Section("nodes", before?.Nodes, after.Nodes, n => n.Id, ctx.EdgeNode),
            Section("zones", before?.Zones.Select(z => z with { Soa = z.Soa with { Serial = 0 } }).ToList(), after.Zones.Select(z => z with { Soa = z.Soa with { Serial = 0 } }).ToList(), z => z.Name, ctx.Zone),
            Section("hostnames", before?.Hostnames, after.Hostnames, h => h.Name, ctx.Hostname),
        ];
        var probesBefore = before is null ? null : JsonSerializer.Serialize(before.Probes, ctx.ProbeSettings);
        var probesAfter = JsonSerializer.Serialize(after.Probes, ctx.ProbeSettings);
        changes.Add(new SectionChange("probe settings", [], [], probesBefore == probesAfter ? [] : ["probe settings"]));
        return changes;
    }

    /// <summary>One line such as "hostnames +2 (a.example, b.example), ~1 (c.example); servers -1 (x)".</summary>
    public static string Summarize(NetworkConfiguration? before, NetworkConfiguration after, int namesPerList = 3)
    {
        var parts = new List<string>();
        foreach (var change in Compare(before, after).Where(c => c.Any))
        {
            if (change.Section == "probe settings")
            {
                parts.Add("probe settings changed");
                continue;
            }

            var items = new List<string>();
            Add(items, "+", change.Added, namesPerList);
            Add(items, "-", change.Removed, namesPerList);
            Add(items, "~", change.Changed, namesPerList);
            parts.Add($"{change.Section} {string.Join(", ", items)}");
        }

        return parts.Count == 0 ? "no change" : string.Join("; ", parts);
    }

    private static void Add(List<string> items, string sign, IReadOnlyList<string> names, int max)
    {
        if (names.Count == 0)
        {
            return;
        }

        var shown = string.Join(", ", names.Take(max));
        var more = names.Count > max ? $", +{names.Count - max} more" : "";
        items.Add($"{sign}{names.Count} ({shown}{more})");
    }

    private static SectionChange Section<T>(string name, IReadOnlyList<T>? before, IReadOnlyList<T> after, Func<T, string> key, JsonTypeInfo<T> typeInfo)
    {
        var old = (before ?? []).GroupBy(key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Json(g.First()), StringComparer.Ordinal);
        var now = after.GroupBy(key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Json(g.First()), StringComparer.Ordinal);
        return new SectionChange(
            name,
            [.. now.Keys.Where(k => !old.ContainsKey(k)).Order(StringComparer.Ordinal)],
            [.. old.Keys.Where(k => !now.ContainsKey(k)).Order(StringComparer.Ordinal)],
            [.. now.Where(kv => old.TryGetValue(kv.Key, out var o) && o != kv.Value).Select(kv => kv.Key).Order(StringComparer.Ordinal)]);

        string Json(T item) => JsonSerializer.Serialize(item, typeInfo);
    }
}
