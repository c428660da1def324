using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Speedera.Core.PageCheck;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// Full-render mode: loads the page in headless Chromium (a fresh profile per check, driven over the DevTools
/// protocol) and turns the browser's own network timings into the same request model as the agent's fetcher, with
/// first contentful paint, largest contentful paint, DOMContentLoaded and onload. Every request the page makes is
/// paused before it leaves (Fetch domain) and continues only when the target guard allows its host; anything else is
/// failed as blocked and reported.
/// </summary>
internal sealed partial class ChromiumRenderer(PageTargetConnector connector, PageCheckAgentOptions options, ILogger logger)
{
    private readonly PageTargetConnector _connector = connector;
    private readonly ILogger _logger = logger;

    /// <summary>The flags of the guide: no GPU, no QUIC (the agent times TCP), no background traffic of the browser's own.</summary>
    private static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--remote-debugging-port=0",
    ];

    public static string? Unavailable(PageCheckAgentOptions options) =>
        options.ChromiumPath is not { Length: > 0 } path ? "full render is not configured on this node"
        : !File.Exists(path) ? $"{path} is not installed on this node"
        : null;

    public async Task<IReadOnlyList<PageCheckViewResult>> RenderAsync(Uri url, bool repeatView, CancellationToken cancellationToken)
    {
        var profile = Directory.CreateTempSubdirectory("speedera-render-");
        Process? browser = null;
        try
        {
            var start = new ProcessStartInfo(options.ChromiumPath!)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var flag in Flags.Concat(options.ChromiumExtraArguments))
            {
                start.ArgumentList.Add(flag);
            }

            start.ArgumentList.Add($"--user-data-dir={profile.FullName}");
            start.ArgumentList.Add("about:blank");
            browser = Process.Start(start) ?? throw new IOException("Chromium did not start.");
            browser.OutputDataReceived += (_, _) => { };
            browser.ErrorDataReceived += (_, _) => { };
            browser.BeginOutputReadLine();
            browser.BeginErrorReadLine();
            var endpoint = await DevToolsEndpointAsync(profile.FullName, browser, cancellationToken).ConfigureAwait(false);

            var page = new PageRun(this, url);
            await using var cdp = await CdpSession.ConnectAsync(endpoint, page.OnEvent, cancellationToken).ConfigureAwait(false);
            page.Cdp = cdp;
            var target = await cdp.SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, null, cancellationToken).ConfigureAwait(false);
            var attached = await cdp.SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true }, null, cancellationToken).ConfigureAwait(false);
            page.SessionId = attached["sessionId"]!.GetValue<string>();
            await cdp.SendAsync("Network.enable", null, page.SessionId, cancellationToken).ConfigureAwait(false);
            await cdp.SendAsync("Page.enable", null, page.SessionId, cancellationToken).ConfigureAwait(false);
            await cdp.SendAsync("Fetch.enable", new JsonObject { ["patterns"] = new JsonArray(new JsonObject { ["urlPattern"] = "*", ["requestStage"] = "Request" }) }, page.SessionId, cancellationToken).ConfigureAwait(false);

            var views = new List<PageCheckViewResult> { await page.LoadAsync(PageCheckView.First, cancellationToken).ConfigureAwait(false) };
            if (repeatView && !cancellationToken.IsCancellationRequested)
            {
                views.Add(await page.LoadAsync(PageCheckView.Repeat, cancellationToken).ConfigureAwait(false));
            }

            return views;
        }
        finally
        {
            if (browser is not null)
            {
                try
                {
                    browser.Kill(entireProcessTree: true);
                    await browser.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
                {
                }

                browser.Dispose();
            }

            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Chromium writes the port and path of its DevTools socket into DevToolsActivePort in the profile.</summary>
    private static async Task<Uri> DevToolsEndpointAsync(string profile, Process browser, CancellationToken cancellationToken)
    {
        var file = Path.Combine(profile, "DevToolsActivePort");
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (browser.HasExited)
            {
                throw new IOException($"Chromium exited with {browser.ExitCode} before it was ready.");
            }

            if (File.Exists(file))
            {
                var lines = await File.ReadAllLinesAsync(file, cancellationToken).ConfigureAwait(false);
                if (lines.Length >= 2 && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    return new Uri($"ws://127.0.0.1:{port}{lines[1]}");
                }
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new IOException("Chromium did not open its DevTools socket within 30 s.");
    }

    /// <summary>The guard's answer for one URL the page wants: null when allowed, else why not.</summary>
    private async Task<string?> RefusalAsync(Uri url, CancellationToken cancellationToken)
    {
        if (url.Scheme is "data" or "blob" or "about")
        {
            return null;
        }

        if (url.Scheme is not ("http" or "https"))
        {
            return $"only http and https are loaded, not {url.Scheme}";
        }

        var host = url.IdnHost.Trim('[', ']');
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _connector.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            return $"{host} does not resolve ({ex.SocketErrorCode})";
        }

        foreach (var address in addresses)
        {
            var decision = _connector.Check(address);
            if (!decision.Allowed)
            {
                // Chromium resolves the name again itself: it may load only when every address the name has is allowed.
                return $"{host} resolves to {decision.Reason}";
            }
        }

        return addresses.Length == 0 ? $"{host} has no address" : null;
    }

    [LoggerMessage(7120, LogLevel.Warning, "Page check full render: blocked {Url}: {Reason}")]
    private static partial void LogBlocked(ILogger logger, string url, string reason);

    /// <summary>One tab's loads (first view, then the repeat view with the browser's caches and connections warm).</summary>
    private sealed class PageRun(ChromiumRenderer renderer, Uri url)
    {
        private readonly ConcurrentDictionary<string, Entry> _entries = new();
        private readonly ConcurrentQueue<Entry> _order = new();
        private readonly ConcurrentDictionary<string, string> _blocked = new();
        private TaskCompletionSource<double> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private double _domContentLoaded = -1;
        private double _navigationStart;
        private CancellationToken _cancellation;

        public CdpSession Cdp { get; set; } = null!;

        public string SessionId { get; set; } = "";

        public async Task<PageCheckViewResult> LoadAsync(PageCheckView view, CancellationToken cancellationToken)
        {
            _entries.Clear();
            _order.Clear();
            _blocked.Clear();
            _loaded = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
            _domContentLoaded = -1;
            _navigationStart = 0;
            _cancellation = cancellationToken;
            var startedAt = renderer._connector.Time.GetUtcNow();
            string? error = null;
            RenderMetrics? render = null;
            try
            {
                var navigated = await Cdp.SendAsync("Page.navigate", new JsonObject { ["url"] = url.AbsoluteUri }, SessionId, cancellationToken).ConfigureAwait(false);
                if (navigated["errorText"]?.GetValue<string>() is { Length: > 0 } navigationError)
                {
                    error = "The page did not load: " + navigationError;
                }
                else
                {
                    using var reg = cancellationToken.Register(() => _loaded.TrySetCanceled(cancellationToken));
                    await _loaded.Task.ConfigureAwait(false);
                    render = await MetricsAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                error = "Timed out before the page finished loading.";
            }

            var requests = Requests();
            return new PageCheckViewResult(view, PageCheckRoute.Direct, startedAt, error, requests, render);
        }

        public void OnEvent(string method, JsonObject p, string? sessionId)
        {
            if (sessionId != SessionId)
            {
                return;
            }

            switch (method)
            {
                case "Fetch.requestPaused":
                    _ = DecideAsync(p["requestId"]!.GetValue<string>(), p["request"]!["url"]!.GetValue<string>(), p["networkId"]?.GetValue<string>());
                    break;
                case "Network.requestWillBeSent":
                    OnRequest(p);
                    break;
                case "Network.responseReceived":
                    if (_entries.TryGetValue(p["requestId"]!.GetValue<string>(), out var e))
                    {
                        e.Response = p["response"] as JsonObject;
                        e.Kind = p["type"]?.GetValue<string>() ?? e.Kind;
                    }

                    break;
                case "Network.dataReceived":
                    if (_entries.TryGetValue(p["requestId"]!.GetValue<string>(), out var d))
                    {
                        d.DecodedBytes += p["dataLength"]?.GetValue<long>() ?? 0;
                    }

                    break;
                case "Network.loadingFinished":
                    if (_entries.TryGetValue(p["requestId"]!.GetValue<string>(), out var f))
                    {
                        f.End = p["timestamp"]!.GetValue<double>();
                        f.EncodedBytes = (long)(p["encodedDataLength"]?.GetValue<double>() ?? 0);
                    }

                    break;
                case "Network.loadingFailed":
                    if (_entries.TryGetValue(p["requestId"]!.GetValue<string>(), out var failed))
                    {
                        failed.End = p["timestamp"]!.GetValue<double>();
                        failed.Error = _blocked.TryGetValue(failed.Url, out var why) ? $"refused by the target guard: {why}" : p["errorText"]?.GetValue<string>() ?? "failed";
                    }

                    break;
                case "Page.domContentEventFired":
                    _domContentLoaded = p["timestamp"]!.GetValue<double>();
                    break;
                case "Page.loadEventFired":
                    _loaded.TrySetResult(p["timestamp"]!.GetValue<double>());
                    break;
            }
        }

        private void OnRequest(JsonObject p)
        {
            var id = p["requestId"]!.GetValue<string>();
            var timestamp = p["timestamp"]!.GetValue<double>();
            if (_navigationStart == 0)
            {
                _navigationStart = timestamp;
            }

            // A redirect reuses the request id: the hop that answered with the redirect becomes its own entry.
            if (p["redirectResponse"] is JsonObject redirect && _entries.TryGetValue(id, out var previous))
            {
                previous.Response = redirect;
                previous.End = timestamp;
                previous.RedirectUrl = p["request"]!["url"]!.GetValue<string>();
                _entries.TryRemove(id, out _);
            }

            var entry = new Entry
            {
                Url = p["request"]!["url"]!.GetValue<string>(),
                Start = timestamp,
                Kind = p["type"]?.GetValue<string>() ?? "Other",
                RequestHeaders = p["request"]!["headers"] as JsonObject,
            };
            _entries[id] = entry;
            _order.Enqueue(entry);
        }

        private async Task DecideAsync(string requestId, string requestUrl, string? networkId)
        {
            try
            {
                var refusal = Uri.TryCreate(requestUrl, UriKind.Absolute, out var u) ? await renderer.RefusalAsync(u, _cancellation).ConfigureAwait(false) : "not an absolute URL";
                if (refusal is null)
                {
                    await Cdp.SendAsync("Fetch.continueRequest", new JsonObject { ["requestId"] = requestId }, SessionId, _cancellation).ConfigureAwait(false);
                    return;
                }

                _blocked[requestUrl] = refusal;
                LogBlocked(renderer._logger, requestUrl, refusal);
                if (networkId is null || !_entries.ContainsKey(networkId))
                {
                    _order.Enqueue(new Entry { Url = requestUrl, Start = 0, Kind = "Other", Error = $"refused by the target guard: {refusal}" });
                }

                await Cdp.SendAsync("Fetch.failRequest", new JsonObject { ["requestId"] = requestId, ["errorReason"] = "BlockedByClient" }, SessionId, _cancellation).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException)
            {
            }
        }

        private async Task<RenderMetrics> MetricsAsync(CancellationToken cancellationToken)
        {
            const string script = """
                new Promise(resolve => {
                  const nav = performance.getEntriesByType('navigation')[0];
                  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                  const done = lcp => resolve(JSON.stringify({
                    fcp: fcp ? fcp.startTime : null, lcp: lcp,
                    dcl: nav ? nav.domContentLoadedEventEnd : null, load: nav ? nav.loadEventEnd || nav.loadEventStart : null }));
                  let last = null;
                  try {
                    new PerformanceObserver(list => { const e = list.getEntries(); if (e.length) last = e[e.length - 1].startTime; })
                      .observe({ type: 'largest-contentful-paint', buffered: true });
                  } catch (e) { }
                  setTimeout(() => done(last), 300);
                })
                """;
            var answer = await Cdp.SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = script, ["awaitPromise"] = true, ["returnByValue"] = true }, SessionId, cancellationToken).ConfigureAwait(false);
            var json = answer["result"]?["value"]?.GetValue<string>();
            var m = json is null ? null : JsonNode.Parse(json) as JsonObject;
            static double? D(JsonNode? n) => n is JsonValue v && v.TryGetValue<double>(out var d) && d > 0 ? Math.Round(d, 1) : null;
            return new RenderMetrics(D(m?["fcp"]), D(m?["lcp"]), D(m?["dcl"]), D(m?["load"]));
        }

        private List<PageCheckRequest> Requests()
        {
            var list = new List<PageCheckRequest>();
            var index = 0;
            foreach (var e in _order)
            {
                list.Add(e.ToRequest(index++, _navigationStart));
            }

            return list;
        }
    }

    private sealed class Entry
    {
        public required string Url { get; init; }

        public required double Start { get; init; }

        public string Kind { get; set; } = "Other";

        public JsonObject? RequestHeaders { get; init; }

        public JsonObject? Response { get; set; }

        public double End { get; set; }

        public long EncodedBytes { get; set; }

        public long DecodedBytes { get; set; }

        public string? RedirectUrl { get; set; }

        public string? Error { get; set; }

        /// <summary>Chromium's ResourceTiming (milliseconds from requestTime) as HAR phases, as DevTools exports them.</summary>
        public PageCheckRequest ToRequest(int index, double navigationStart)
        {
            var r = Response;
            var t = r?["timing"] as JsonObject;
            double T(string name) => t?[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : -1;
            var startMs = Start > 0 ? (Start - navigationStart) * 1000 : 0;
            var endMs = End > 0 ? (End - Start) * 1000 : 0;
            PhaseTimings phases;
            if (t is null)
            {
                phases = new PhaseTimings(Math.Max(endMs, 0), -1, -1, -1, 0, 0, 0);
            }
            else
            {
                var requestTime = T("requestTime");
                var queued = Math.Max((requestTime - Start) * 1000, 0);
                double dnsStart = T("dnsStart"), dnsEnd = T("dnsEnd"), connectStart = T("connectStart"), connectEnd = T("connectEnd");
                double sslStart = T("sslStart"), sslEnd = T("sslEnd"), sendStart = Math.Max(T("sendStart"), 0), sendEnd = Math.Max(T("sendEnd"), 0);
                var headersEnd = Math.Max(T("receiveHeadersEnd"), sendEnd);
                var dns = dnsStart >= 0 && dnsEnd >= dnsStart ? dnsEnd - dnsStart : -1;
                var connect = connectStart >= 0 && connectEnd >= connectStart ? connectEnd - connectStart : -1;
                var ssl = sslStart >= 0 && sslEnd >= sslStart ? sslEnd - sslStart : -1;

                // What the named phases leave of the time to the headers (gaps between steps) is counted as blocked.
                var named = Math.Max(dns, 0) + Math.Max(connect, 0) + (sendEnd - sendStart) + (headersEnd - sendEnd);
                var blocked = queued + Math.Max(headersEnd - named, 0);
                var receive = Math.Max(endMs - queued - headersEnd, 0);
                phases = new PhaseTimings(blocked, dns, connect, ssl, sendEnd - sendStart, headersEnd - sendEnd, receive);
            }

            var headers = r?["headers"] as JsonObject;
            var security = r?["securityDetails"] as JsonObject;
            string? S(JsonObject? o, string name) => o?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            double? N(JsonObject? o, string name) => o?[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
            var protocol = S(r, "protocol");
            return new PageCheckRequest
            {
                Index = index,
                Url = Url,
                Kind = Kind.ToLowerInvariant() switch { "document" => "document", "stylesheet" => "stylesheet", "script" => "script", "image" => "image", "font" => "font", _ => "other" },
                StartOffsetMs = Math.Max(startMs, 0),
                Timings = phases,
                Status = (int)(N(r, "status") ?? 0),
                StatusText = S(r, "statusText") ?? "",
                HttpVersion = protocol switch { "h2" => "HTTP/2.0", "h3" => "HTTP/3", "http/1.0" => "HTTP/1.0", null => "HTTP/1.1", _ => "HTTP/1.1" },
                BodyWireBytes = Math.Max(EncodedBytes - (long)(N(r, "encodedDataLength") ?? 0), 0),
                BodyDecodedBytes = DecodedBytes,
                ContentType = S(r, "mimeType"),
                RemoteAddress = S(r, "remoteIPAddress")?.Trim('[', ']'),
                Connection = (int)(N(r, "connectionId") ?? 0),
                NewConnection = t is not null && T("connectStart") >= 0,
                FromCache = r?["fromDiskCache"]?.GetValue<bool>() == true || r?["fromMemoryCache"]?.GetValue<bool>() == true,
                RedirectUrl = RedirectUrl,
                Error = Error,
                Tls = security is null ? null : new TlsDetails(
                    S(security, "protocol") ?? "", S(security, "cipher") ?? "", protocol ?? "", S(security, "subjectName"), S(security, "issuer"),
                    N(security, "validFrom") is { } from ? DateTimeOffset.FromUnixTimeSeconds((long)from) : null,
                    N(security, "validTo") is { } to ? DateTimeOffset.FromUnixTimeSeconds((long)to) : null,
                    S(security, "subjectName")),
                RequestHeaders = RequestHeaders is null ? [] : [.. RequestHeaders.Select(h => new HeaderPair(h.Key, h.Value?.ToString() ?? ""))],
                ResponseHeaders = headers is null ? [] : [.. headers.Select(h => new HeaderPair(h.Key, h.Value?.ToString() ?? ""))],
            };
        }
    }
}
