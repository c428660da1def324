namespace Speedera.Edge.Hosting;

/// <summary>Process-wide runtime settings an edge node applies before it opens its first socket.</summary>
public static class EdgeRuntime
{
    /// <summary>The .NET socket engine reads this once, when the first asynchronous socket operation starts.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Runs asynchronous socket completions on the epoll threads instead of queueing each one to the thread pool. With
    /// Kestrel's inline scheduling the cache then parses, looks up and answers a hit on the thread that saw the data
    /// arrive: one hop fewer per request (bench/cache: about 1.3x the requests/s on 1 KB hits). Safe here because
    /// nothing in the edge blocks inside a socket continuation (the DNS listeners use their own threads and blocking
    /// receives). An operator who sets the variable keeps their value. Must run before any socket is used.
    /// </summary>
    public static void PreferInlineSocketCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
    }
}
