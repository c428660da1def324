using System.Net;
using System.Net.Security;
using Speedera.Core.PageCheck;
using Speedera.Edge.Security;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>Settings of the page-check agent in the probe role.</summary>
public sealed class PageCheckAgentOptions
{
    /// <summary>The agent's own bounds; a job's limits can only be tighter.</summary>
    public PageCheckLimits Limits { get; init; } = PageCheckLimits.Default;

    /// <summary>Checks run at once on this node; more wait in the control plane's queue.</summary>
    public int MaxConcurrentChecks { get; init; } = 2;

    /// <summary>How long the control plane may hold a job request open.</summary>
    public TimeSpan PollWait { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Test fixtures only: networks the agent may reach although the target guard refuses them (a loopback test site).
    /// Empty in production, where only the guard decides.
    /// </summary>
    public IReadOnlyList<IPNetwork> TestAllowedNetworks { get; init; } = [];

    /// <summary>Name resolution; tests map names such as <c>site.test</c> to loopback addresses.</summary>
    public TargetResolver? Resolver { get; init; }

    /// <summary>How sockets are made (a network namespace per POP in the latency tests).</summary>
    public SocketFactory? Sockets { get; init; }

    /// <summary>How an allowed address is dialled; tests record the endpoints instead of dialling non-loopback ones.</summary>
    public ConnectHook? Dial { get; init; }

    /// <summary>Test fixtures only: accept the test site's self-signed certificate. Null: the system's validation.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; init; }

    /// <summary>Offer h2 by ALPN over TLS, as browsers do; false: HTTP/1.1 only.</summary>
    public bool Http2 { get; init; } = true;

    /// <summary>Headless Chromium for full-render checks; null or missing: such checks say full render is not available here.</summary>
    public string? ChromiumPath { get; init; } = "/usr/bin/chromium";

    /// <summary>Flags added to the browser's fixed ones (tests map host names with --host-resolver-rules).</summary>
    public IReadOnlyList<string> ChromiumExtraArguments { get; init; } = [];

    /// <summary>Added to every request so origin logs can tell our agent apart.</summary>
    public string UserAgent { get; init; } = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 SpeederaPageCheck/1.0";
}
