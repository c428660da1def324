using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

// N signed-in users (browser contexts in one headless Chromium) each load the main pages once, then
// all hold their last page (and, on the interactive portal, its circuit) open for a while.
// Usage: PortalBench BASE_URL PORTAL_PID USERS HOLD_SECONDS LABEL EMAIL PASSWORD
var (baseUrl, pid, users, hold, label, email, password) =
    (args[0], int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture),
     TimeSpan.FromSeconds(double.Parse(args[3], CultureInfo.InvariantCulture)), args[4], args[5], args[6]);
string[] pages = ["/", "/noc/network", "/noc/nodes", "/noc/probes", "/noc/configuration", "/admin/users"];

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = "/usr/bin/chromium",
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

// Warm-up: one user visits every page once (JIT, caches), unmeasured.
await using (var warm = await browser.NewContextAsync(new() { BaseURL = baseUrl }))
{
    var page = await warm.NewPageAsync();
    await LogInAsync(page);
    foreach (var path in pages)
    {
        await LoadAsync(page, path);
    }
}

await Task.Delay(2000);
var rssBefore = ProcStat.Rss(pid);
var cpuBefore = ProcStat.CpuSeconds(pid);
var clock = Stopwatch.StartNew();
var times = new List<double>();
var contexts = new List<IBrowserContext>();
var failures = 0;
await Task.WhenAll(Enumerable.Range(0, users).Select(async _ =>
{
    var context = await browser.NewContextAsync(new() { BaseURL = baseUrl });
    lock (contexts)
    {
        contexts.Add(context);
    }

    try
    {
        var page = await context.NewPageAsync();
        await LogInAsync(page);
        foreach (var path in pages)
        {
            var ms = await LoadAsync(page, path);
            lock (times)
            {
                times.Add(ms);
            }
        }
    }
    catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
    {
        Interlocked.Increment(ref failures);
        Console.Error.WriteLine($"{label}: a user failed: {ex.Message}");
    }
}));
var loadPhase = clock.Elapsed;
var cpuLoad = ProcStat.CpuSeconds(pid) - cpuBefore;
await Task.Delay(TimeSpan.FromSeconds(3));
var rssHolding = ProcStat.Rss(pid);
await Task.Delay(hold);
var rssEnd = ProcStat.Rss(pid);
foreach (var context in contexts)
{
    await context.CloseAsync();
}

times.Sort();
double Percentile(double p) => times.Count == 0 ? double.NaN : times[Math.Min(times.Count - 1, (int)Math.Ceiling(p * times.Count) - 1)];
var loaded = times.Count;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{label}: users {users} (failed {failures}), pages loaded {loaded} in {loadPhase.TotalSeconds:0.0} s; page p50 {Percentile(0.50):0} ms, p95 {Percentile(0.95):0} ms, max {Percentile(1):0} ms; " +
    $"server CPU per page {(loaded == 0 ? double.NaN : cpuLoad * 1000 / loaded):0.0} ms; server RSS {rssBefore / 1048576.0:0} MiB before, {rssHolding / 1048576.0:0} MiB with every user on a page, {rssEnd / 1048576.0:0} MiB after holding {hold.TotalSeconds:0} s; " +
    $"memory per open user (circuit on the interactive portal) {(users == 0 ? double.NaN : (rssHolding - rssBefore) / 1024.0 / users):0} KiB"));

async Task LogInAsync(IPage page)
{
    await page.GotoAsync("/Account/Login");
    await page.FillAsync("#Input\\.Email", email);
    await page.FillAsync("#Input\\.Password", password);
    await page.ClickAsync("[data-testid=login-submit]");
    await page.WaitForURLAsync(url => !url.Contains("/Account/Login", StringComparison.Ordinal), new() { Timeout = 60_000 });
}

// Until the page is usable: loaded, and (interactive) its circuit started and its grids filled, i.e. no
// HTTP request for 500 ms (the circuit's WebSocket does not count). Playwright's idle wait adds those 500 ms; they are taken off.
async Task<double> LoadAsync(IPage page, string path)
{
    var watch = Stopwatch.StartNew();
    var response = await page.GotoAsync(path, new() { WaitUntil = WaitUntilState.NetworkIdle, Timeout = 120_000 });
    if (response is null || !response.Ok)
    {
        throw new PlaywrightException($"{path}: HTTP {response?.Status}");
    }

    await page.Locator("h1").First.WaitForAsync(new() { Timeout = 60_000 });
    return Math.Max(0, watch.Elapsed.TotalMilliseconds - 500);
}

internal static class ProcStat
{
    public static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>utime + stime of the process (clock ticks of 1/100 s on Linux).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
