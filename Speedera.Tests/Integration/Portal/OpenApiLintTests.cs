using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Speedera.Tests.Integration.Portal;

/// <summary>Skips, saying why, when Node.js and npm are not installed (they run the OpenAPI linter).</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        if (!path.Any(d => File.Exists(Path.Combine(d, "node"))) || !path.Any(d => File.Exists(Path.Combine(d, "npm"))))
        {
            Skip = "node and npm are not on PATH (Debian packages nodejs, npm): the Redocly OpenAPI linter needs them";
        }
    }
}

/// <summary>The customer API's OpenAPI document is complete enough to generate a client from it.</summary>
public sealed class OpenApiLintTests(SqlitePortalFactory factory) : IClassFixture<SqlitePortalFactory>
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    [Fact]
    public async Task Every_operation_has_an_id_a_summary_security_and_problem_responses()
    {
        var document = await FetchAsync();
        var root = document.RootElement;

        Assert.True(root.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("ApiKey", out var scheme));
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        foreach (var server in root.GetProperty("servers").EnumerateArray())
        {
            Assert.False(server.GetProperty("url").GetString()!.EndsWith('/'), $"server URL {server.GetProperty("url")} ends with /");
        }

        var ids = new HashSet<string>();
        var operations = 0;
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                var op = operation.Value;
                operations++;
                Assert.True(op.TryGetProperty("operationId", out var id) && ids.Add(id.GetString()!), $"{name}: missing or repeated operationId");
                Assert.True(op.TryGetProperty("summary", out var summary) && summary.GetString()!.Length > 0, $"{name}: no summary");
                Assert.True(op.TryGetProperty("security", out var security) && security.EnumerateArray().Any(r => r.TryGetProperty("ApiKey", out _)), $"{name}: no ApiKey security requirement");
                var responses = op.GetProperty("responses");
                foreach (var status in new[] { "401", "429" })
                {
                    Assert.True(responses.TryGetProperty(status, out var response), $"{name}: no {status} response");
                    Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{name}: {status} is not problem details");
                }

                if (path.Name.Contains("{id}", StringComparison.Ordinal))
                {
                    Assert.True(responses.TryGetProperty("404", out _), $"{name}: no 404 response");
                }
            }
        }

        Assert.True(operations >= 13, $"only {operations} operations");
    }

    [NodeFact]
    public async Task Openapi_document_passes_redocly_recommended_rules()
    {
        var tool = Path.Combine(RepositoryRoot(), "tools", "openapi-lint");
        var redocly = Path.Combine(tool, "node_modules", ".bin", "redocly");
        await InstallLock.WaitAsync();
        try
        {
            if (!File.Exists(redocly))
            {
                var (code, output) = await RunAsync("npm", "ci --no-audit --no-fund", tool, TimeSpan.FromMinutes(5));
                Assert.True(code == 0, $"npm ci in {tool} failed ({code}):\n{output}");
            }
        }
        finally
        {
            InstallLock.Release();
        }

        var file = Path.Combine(factory.DataDirectory, "openapi.json");
        Directory.CreateDirectory(factory.DataDirectory);
        using (var document = await FetchAsync())
        {
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(document.RootElement));
        }

        var (exit, report) = await RunAsync(redocly, $"lint --config \"{Path.Combine(tool, "redocly.yaml")}\" --format stylish \"{file}\"", tool, TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, $"redocly lint found problems (exit {exit}):\n{report}");
        Assert.Contains("valid", report, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<JsonDocument> FetchAsync()
    {
        // Fetched under a public name: the document's server URL is the address it was fetched from.
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://portal.speedera.test") });
        var response = await client.GetAsync("/api/v1/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
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

    private static async Task<(int Code, string Output)> RunAsync(string file, string arguments, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NO_COLOR"] = "1";
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
