using System.Diagnostics;

namespace Speedera.Tests.Integration.PageCheck;

/// <summary>Runs npm har-validator (tools/har-validate, installed with npm ci on first use) over HAR files.</summary>
internal static class HarValidator
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    /// <summary>Why the validator cannot run here, or null when node and npm are on PATH.</summary>
    public static string? Unavailable()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Any(d => File.Exists(Path.Combine(d, "node"))) && path.Any(d => File.Exists(Path.Combine(d, "npm")))
            ? null
            : "node and npm are not on PATH (Debian packages nodejs, npm): har-validator needs them";
    }

    public static async Task<(int Exit, string Output)> ValidateAsync(string harFile)
    {
        var tool = Path.Combine(RepositoryRoot(), "tools", "har-validate");
        await InstallLock.WaitAsync();
        try
        {
            if (!Directory.Exists(Path.Combine(tool, "node_modules", "har-validator")))
            {
                var (code, output) = await RunAsync("npm", "ci --no-audit --no-fund", tool);
                if (code != 0)
                {
                    throw new InvalidOperationException($"npm ci in {tool} failed ({code}):\n{output}");
                }
            }
        }
        finally
        {
            InstallLock.Release();
        }

        return await RunAsync("node", $"validate.js \"{harFile}\"", tool);
    }

    private static async Task<(int, string)> RunAsync(string file, string arguments, string directory)
    {
        var start = new ProcessStartInfo(file, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Speedera.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Speedera.sln not found above {AppContext.BaseDirectory}");
    }
}
