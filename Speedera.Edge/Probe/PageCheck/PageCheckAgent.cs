using System.Net;
using Microsoft.Extensions.Logging;
using Speedera.Core.Configuration;
using Speedera.Core.PageCheck;
using Speedera.Core.Security;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// Runs one location's part of a page check: for each route (through this POP's cache and straight to the origin when
/// the URL is a CDN hostname of ours, else the URL as given), a first view and optionally a repeat view. Every
/// connection to a customer-given host passes the <see cref="NetworkTargetGuard"/>; time, bytes, components and
/// redirects are bounded; a failure or timeout ends up in the result, never as an exception.
/// </summary>
public sealed partial class PageCheckAgent
{
    private readonly Func<NetworkConfiguration?> _configuration;
    private readonly PageCheckAgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PageTargetConnector _connector;

    public PageCheckAgent(Func<NetworkConfiguration?> configuration, Func<NetworkTargetGuard> guard, PageCheckAgentOptions options, TimeProvider time, ILogger logger)
    {
        _configuration = configuration;
        _options = options;
        _time = time;
        _logger = logger;
        _connector = new PageTargetConnector(guard, options, time, logger);
    }

    public async Task<PageCheckLocationResult> RunAsync(PageCheckJob job, string nodeId, CancellationToken cancellationToken)
    {
        var startedAt = _time.GetUtcNow();
        var limits = job.Limits.Min(_options.Limits);
        var left = job.Deadline - startedAt;
        var budget = left < limits.Timeout ? left : limits.Timeout;
        var views = new List<PageCheckViewResult>();
        string? error = null;
        if (budget <= TimeSpan.Zero)
        {
            return new PageCheckLocationResult(job.CheckId, job.PopId, nodeId, startedAt, startedAt, "The check's deadline passed before it started.", []);
        }

        if (!Uri.TryCreate(job.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return new PageCheckLocationResult(job.CheckId, job.PopId, nodeId, startedAt, startedAt, "Not an http or https URL.", []);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(budget);
        var config = _configuration();
        var hostname = CdnHostname(config, job);
        if (job.FullRender)
        {
            // Full render: the page as a browser loads it, by its public name; CDN against origin stays with the fetcher.
            if (ChromiumRenderer.Unavailable(_options) is { } why)
            {
                views.Add(new PageCheckViewResult(PageCheckView.First, PageCheckRoute.Direct, _time.GetUtcNow(), "Full render is not available: " + why + ".", []));
            }
            else
            {
                try
                {
                    views.AddRange(await new ChromiumRenderer(_connector, _options, _logger).RenderAsync(url, job.RepeatView, timeout.Token).ConfigureAwait(false));
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or System.ComponentModel.Win32Exception or System.Net.WebSockets.WebSocketException)
                {
                    views.Add(new PageCheckViewResult(PageCheckView.First, PageCheckRoute.Direct, _time.GetUtcNow(), timeout.IsCancellationRequested ? "Timed out before the browser finished." : "The browser failed: " + ex.Message, []));
                }
            }

            if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                error = $"Timed out after {budget.TotalSeconds:0} s.";
            }

            LogDone(_logger, job.CheckId, job.PopId, views.Count, error ?? "ok (full render)");
            return new PageCheckLocationResult(job.CheckId, job.PopId, nodeId, startedAt, _time.GetUtcNow(), error, views);
        }

        var routes = hostname is null ? [PageCheckRoute.Direct] : job.CompareWithOrigin ? new[] { PageCheckRoute.Cdn, PageCheckRoute.Origin } : [PageCheckRoute.Cdn];
        foreach (var route in routes)
        {
            Func<Uri, ConnectTarget> router;
            try
            {
                router = Router(config, hostname, route, job.PopId, nodeId);
            }
            catch (InvalidOperationException ex)
            {
                views.Add(new PageCheckViewResult(PageCheckView.First, route, _time.GetUtcNow(), ex.Message, []));
                continue;
            }

            using var session = new PageFetchSession(_connector, _options, limits, router);
            views.Add(await session.RunViewAsync(PageCheckView.First, route, url, timeout.Token).ConfigureAwait(false));
            if (job.RepeatView && !timeout.IsCancellationRequested)
            {
                views.Add(await session.RunViewAsync(PageCheckView.Repeat, route, url, timeout.Token).ConfigureAwait(false));
            }
        }

        if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            error = $"Timed out after {budget.TotalSeconds:0} s.";
        }

        LogDone(_logger, job.CheckId, job.PopId, views.Count, error ?? "ok");
        return new PageCheckLocationResult(job.CheckId, job.PopId, nodeId, startedAt, _time.GetUtcNow(), error, views);
    }

    /// <summary>The job's CDN hostname, only when this node's configuration has it as a cached hostname too.</summary>
    private static Hostname? CdnHostname(NetworkConfiguration? config, PageCheckJob job) =>
        job.CdnHostname is null || config is null
            ? null
            : config.Hostnames.FirstOrDefault(h => h.Cache is not null && string.Equals(h.Name, job.CdnHostname, StringComparison.OrdinalIgnoreCase));

    private static Func<Uri, ConnectTarget> Router(NetworkConfiguration? config, Hostname? hostname, PageCheckRoute route, string popId, string nodeId)
    {
        static ConnectTarget Direct(Uri u) => new(u.Scheme, u.IdnHost, u.Port, u.IsDefaultPort ? u.IdnHost : $"{u.IdnHost}:{u.Port}", null);
        if (hostname is null || config is null)
        {
            return Direct;
        }

        bool Ours(Uri u) => string.Equals(u.IdnHost, hostname.Name, StringComparison.OrdinalIgnoreCase) || hostname.Cache!.Aliases.Contains(u.IdnHost, StringComparer.OrdinalIgnoreCase);
        if (route == PageCheckRoute.Cdn)
        {
            var caches = config.Nodes.Where(n => n.PopId == popId && n.Roles.HasFlag(NodeRoles.Cache) && n.CacheEndpoint is not null)
                .OrderBy(n => n.Id == nodeId ? 0 : 1).ToList();
            if (caches.Count == 0 || !IPEndPoint.TryParse(caches[0].CacheEndpoint!, out var cache))
            {
                throw new InvalidOperationException($"No cache node at POP {popId} to go through.");
            }

            // Our own cache: reached by the address the configuration gives, never by resolving a customer's name.
            return u => Ours(u) ? new ConnectTarget("http", cache.Address.ToString(), cache.Port, u.IdnHost, cache) : Direct(u);
        }

        var c = hostname.Cache!;
        var origin = new ConnectTarget(c.OriginScheme, c.Origin, c.OriginPort, c.OriginHostHeader ?? c.Origin, null);
        return u => Ours(u) ? origin : Direct(u);
    }

    [LoggerMessage(7110, LogLevel.Information, "Page check {CheckId} at {PopId}: {Views} views, {Outcome}")]
    private static partial void LogDone(ILogger logger, Guid checkId, string popId, int views, string outcome);
}
