using Microsoft.Playwright;

namespace Speedera.E2E;

/// <summary>One portal process and one headless Debian Chromium shared by the tests of a class.</summary>
public class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? playwright;

    public PortalProcess Portal { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public static string ScreenshotDirectory =>
        Environment.GetEnvironmentVariable("SPEEDERA_SCREENSHOTS") is { Length: > 0 } dir
            ? dir
            : Path.Combine(PortalProcess.RepositoryRoot, "test-output", "screenshots");

    /// <summary>Extra environment variables for the portal process (a derived fixture's seam).</summary>
    protected virtual IDictionary<string, string>? PortalEnvironment => null;

    public virtual async Task InitializeAsync()
    {
        // Web-first assertions poll until this ceiling; the 5 s default is too short for a circuit's first render on a
        // loaded 2-core machine (a passing assertion returns as soon as it holds, so this costs nothing when green).
        Assertions.SetDefaultExpectTimeout(20_000);
        Portal = await PortalProcess.StartAsync(PortalEnvironment);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Portal.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
        });
        return await context.NewPageAsync();
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
        if (Portal is not null)
        {
            await Portal.DisposeAsync();
        }
    }
}
