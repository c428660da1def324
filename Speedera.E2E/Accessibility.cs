using System.Text.Json;
using Microsoft.Playwright;

namespace Speedera.E2E;

/// <summary>
/// Runs axe-core (npm, pinned in Speedera.E2E/axe) in the page and fails on serious or critical
/// violations. The script is evaluated over the DevTools protocol, which the page's CSP does not govern,
/// so the portal's strict script-src stays as it is.
/// </summary>
public static class Accessibility
{
    private static readonly Lazy<string> AxeSource = new(() =>
    {
        var path = Path.Combine(PortalProcess.RepositoryRoot, "Speedera.E2E", "axe", "node_modules", "axe-core", "axe.min.js");
        return File.Exists(path)
            ? File.ReadAllText(path)
            : throw new FileNotFoundException("axe-core is not installed: build Speedera.E2E (it runs npm ci in Speedera.E2E/axe) or run ./test.sh", path);
    });

    /// <summary>Every page checked in this run, with what axe found (all impacts), for the report.</summary>
    public static List<string> Log { get; } = [];

    public static async Task AssertNoSeriousViolationsAsync(IPage page, string? context = null)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe !== 'undefined'"))
        {
            await page.EvaluateAsync(AxeSource.Value);
        }

        // Snackbars and dialogs fade in: measure colours once no transition is running.
        await page.WaitForFunctionAsync("() => document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)", null, new() { Timeout = 10_000 });
        var json = await page.EvaluateAsync<string>(
            """
            async () => {
              const result = await window.axe.run(document, { resultTypes: ['violations'] });
              return JSON.stringify(result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')) })));
            }
            """);
        var violations = JsonSerializer.Deserialize<List<Violation>>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web)) ?? [];
        var where = context ?? new Uri(page.Url).AbsolutePath;
        lock (Log)
        {
            Log.Add($"{where}: {(violations.Count == 0 ? "no violations" : string.Join("; ", violations.Select(v => $"{v.Impact} {v.Id}")))}");
        }

        var serious = violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"axe-core on {where}: " + string.Join("\n", serious.Select(v => $"[{v.Impact}] {v.Id}: {v.Help} at {string.Join(", ", v.Nodes)}")));
    }

    private sealed record Violation(string Id, string? Impact, string Help, List<string> Nodes);
}
