namespace Speedera.E2E;

/// <summary>
/// A portal that runs the embedded edge node (dns, probe, cache, loadp) on free loopback ports, so
/// these tests never collide with a developer's portal on 8053/8080/9100/9200 (nor on the demo
/// POP servers' 127.0.0.11:8080 ..., which this node leaves alone).
/// </summary>
public sealed class EmbeddedEdgeFixture : BrowserFixture
{
    public int DnsPort { get; } = PortalProcess.FreePort();

    public int CachePort { get; } = PortalProcess.FreePort();

    public int MetricsPort { get; } = PortalProcess.FreePort();

    public int LoadPPort { get; } = PortalProcess.FreePort();

    protected override IDictionary<string, string> PortalEnvironment => new Dictionary<string, string>
    {
        ["Speedera__EmbeddedEdge__Enabled"] = "true",
        ["Speedera__EmbeddedEdge__DnsListen"] = $"127.0.0.1:{DnsPort}",
        ["Speedera__EmbeddedEdge__CacheListen"] = $"127.0.0.1:{CachePort}",
        ["Speedera__EmbeddedEdge__MetricsListen"] = $"127.0.0.1:{MetricsPort}",
        ["Speedera__EmbeddedEdge__LoadPListen"] = $"127.0.0.1:{LoadPPort}",
        ["Speedera__EmbeddedEdge__ServeDemoServers"] = "false",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!Portal.Output.Contains("Embedded edge node embedded started", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline || Portal.Output.Contains("Embedded edge node failed to start", StringComparison.Ordinal))
            {
                throw new TimeoutException("The embedded edge node did not start:\n" + Portal.OutputTail());
            }

            await Task.Delay(200);
        }
    }
}
