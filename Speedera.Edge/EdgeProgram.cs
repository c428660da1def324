using Microsoft.Extensions.Hosting;
using Speedera.Edge.ControlPlane;
using Speedera.Edge.Hosting;

namespace Speedera.Edge;

public static class EdgeProgram
{
    /// <summary>Exit codes: 0 normal stop, 2 bad command line, 3 refused start-up (bad key, bad --config file).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        EdgeRuntime.PreferInlineSocketCompletions();
        var parsed = EdgeCommandLine.Parse(args);
        if (parsed.HelpRequested)
        {
            Console.Out.Write(EdgeCommandLine.HelpText);
            return 0;
        }

        if (parsed.Error is not null)
        {
            await Console.Error.WriteLineAsync("error: " + parsed.Error).ConfigureAwait(false);
            await Console.Error.WriteLineAsync("Run with --help for the options.").ConfigureAwait(false);
            return 2;
        }

        try
        {
            using var host = EdgeNodeHost.Build(parsed.Options!);
            await host.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (EdgeStartupException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 3;
        }
    }
}
