using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Speedera.E2E;

/// <summary>
/// A real portal process (the built Speedera.Web.dll) on a free loopback port with its own data
/// directory, as a customer's browser would meet it.
/// </summary>
public sealed partial class PortalProcess : IAsyncDisposable
{
    public const string AdminEmail = "admin@speedera.e2e";
    public const string AdminPassword = "E2e-Admin-Passw0rd";

    private readonly Process process;
    private readonly StringBuilder output = new();

    private PortalProcess(Process process, string baseUrl, string dataDirectory)
    {
        this.process = process;
        BaseUrl = baseUrl;
        DataDirectory = dataDirectory;
    }

    public string BaseUrl { get; }

    public string DataDirectory { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Whether the portal still runs, and the last lines of its output, for failure messages.</summary>
    public string OutputTail(int characters = 6000)
    {
        var text = Output;
        var state = process.HasExited ? $"[the portal process has EXITED with code {process.ExitCode}]\n" : "[the portal process is running]\n";
        return state + (text.Length <= characters ? text : "...\n" + text[^characters..]);
    }

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Speedera.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Speedera.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static async Task<PortalProcess> StartAsync(IDictionary<string, string>? environment = null)
    {
        // Same configuration as this test assembly (bin/<Configuration>/net10.0).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var webDir = Path.Combine(RepositoryRoot, "Speedera.Web");
        var dll = Path.Combine(webDir, "bin", configuration, "net10.0", "Speedera.Web.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Build the solution first", dll);
        }

        var port = FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var dataDirectory = Path.Combine(Path.GetTempPath(), "speedera-e2e", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = webDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseUrl);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "E2E";
        start.Environment["Speedera__DataDirectory"] = dataDirectory;
        start.Environment["Speedera__Admin__Email"] = AdminEmail;
        start.Environment["Speedera__Admin__Password"] = AdminPassword;
        start.Environment["Speedera__Mail__PollInterval"] = "00:00:00.200";
        start.Environment["Database__Provider"] = "Sqlite";
        start.Environment["Speedera__Security__AllowPrivateTargets"] = "true";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the portal");
        var portal = new PortalProcess(process, baseUrl, dataDirectory);
        process.OutputDataReceived += (_, e) => portal.Append(e.Data);
        process.ErrorDataReceived += (_, e) => portal.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The portal exited with {process.ExitCode}:\n{portal.Output}");
            }

            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return portal;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        await portal.DisposeAsync();
        throw new TimeoutException("The portal did not become ready:\n" + portal.Output);
    }

    /// <summary>Waits for the outbox to write a mail to <paramref name="to"/> into the pickup folder; returns its first link.</summary>
    public async Task<string> WaitForMailLinkAsync(string to, string subject)
    {
        var mail = Path.Combine(DataDirectory, "mail");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(mail))
            {
                foreach (var file in Directory.GetFiles(mail, "*.eml"))
                {
                    var text = await File.ReadAllTextAsync(file);
                    if (text.Contains($"To: {to}\r\n", StringComparison.OrdinalIgnoreCase) && text.Contains(subject, StringComparison.Ordinal))
                    {
                        return Link().Match(text).Value;
                    }
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"no mail '{subject}' to {to}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex Link();
}
