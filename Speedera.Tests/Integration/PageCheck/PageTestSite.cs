using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Speedera.Tests.Integration.PageCheck;

/// <summary>
/// A local web site with dozens of components and controlled delays, on a loopback address and port 0: a page with 20
/// images, 5 scripts, 3 style sheets (each with 3 background images and a font), an iframe with 2 images, an inline
/// style image and a redirected image; 45 components in all. Images are cacheable for an hour; scripts, styles and
/// the page must be revalidated (ETag), so a repeat view answers them with 304. Style sheets are gzip-encoded.
/// </summary>
public sealed class PageTestSite : IAsyncDisposable
{
    public const int Components = 45;

    /// <summary>The page, its components and one redirect hop.</summary>
    public const int RequestCount = 47;

    private WebApplication? _app;

    public ConcurrentDictionary<string, TimeSpan> Delays { get; } = new(StringComparer.Ordinal);

    /// <summary>Server-side delay added to every response (a far-away POP).</summary>
    public TimeSpan BaseDelay { get; set; }

    /// <summary>Delay added to every response to one client address: a POP that sits further away (its agent binds that address).</summary>
    public ConcurrentDictionary<IPAddress, TimeSpan> ClientDelays { get; } = new();

    /// <summary>Paths answered with a 302 to the given location (a page sending the agent somewhere else).</summary>
    public ConcurrentDictionary<string, string> RedirectsTo { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<(string Path, string? IfNoneMatch, int Connection)> Requests { get; } = new();

    private readonly ConcurrentDictionary<string, int> _connectionIds = new();

    public int Port { get; private set; }

    public IPAddress Address { get; private set; } = IPAddress.Loopback;

    /// <summary>Served over TLS with this certificate when set (HTTP/1.1 and HTTP/2 by ALPN unless <see cref="Protocols"/> says otherwise).</summary>
    public X509Certificate2? Certificate { get; private init; }

    public HttpProtocols Protocols { get; private init; } = HttpProtocols.Http1AndHttp2;

    /// <summary>The protocol of every request the site answered ("HTTP/1.1", "HTTP/2").</summary>
    public ConcurrentQueue<string> ProtocolsSeen { get; } = new();

    public Uri Url => new($"{(Certificate is null ? "http" : "https")}://{Address}:{Port}/");

    /// <summary>Connections the site saw, by remote endpoint.</summary>
    public int ConnectionsSeen => _connectionIds.Count;

    public static async Task<PageTestSite> StartAsync(IPAddress? address = null, X509Certificate2? certificate = null, HttpProtocols protocols = HttpProtocols.Http1AndHttp2)
    {
        var site = new PageTestSite { Address = address ?? IPAddress.Loopback, Certificate = certificate, Protocols = protocols };
        await site.RunAsync();
        return site;
    }

    private async Task RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(Address, 0, listen =>
            {
                if (Certificate is not null)
                {
                    listen.Protocols = Protocols;
                    listen.UseHttps(Certificate);
                }
            });
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        _app = app;
        Port = new Uri(app.Urls.First()).Port;
    }

    /// <summary>Added at the end of the page's body (components a test wants the page to ask for).</summary>
    public string ExtraHtml { get; set; } = "";

    public static string PageHtml(string extra = "")
    {
        var html = new StringBuilder("<!doctype html><html><head><title>Test page</title>");
        for (var i = 0; i < 3; i++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<link rel=\"stylesheet\" href=\"/css/{i}.css\">");
        }

        for (var i = 0; i < 5; i++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<script src=\"/js/{i}.js\"></script>");
        }

        html.Append("</head><body style=\"background:url('/inline.png')\"><h1>Test</h1>");
        for (var i = 0; i < 20; i++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<img src=\"img/{i}.png\" alt=\"\">");
        }

        html.Append("<img src=\"/redirect-img\" alt=\"\"><iframe src=\"/frame.html\"></iframe><a href=\"/not-a-component\">link</a>").Append(extra).Append("</body></html>");
        return html.ToString();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var connection = _connectionIds.GetOrAdd(context.Connection.Id, _ => _connectionIds.Count + 1);
        ProtocolsSeen.Enqueue(context.Request.Protocol);
        Requests.Enqueue((path, context.Request.Headers.IfNoneMatch.ToString() is { Length: > 0 } inm ? inm : null, connection));
        var client = context.Connection.RemoteIpAddress is { } remote && remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : context.Connection.RemoteIpAddress;
        var delay = BaseDelay + (Delays.TryGetValue(path, out var d) ? d : TimeSpan.Zero)
            + (client is not null && ClientDelays.TryGetValue(client, out var far) ? far : TimeSpan.Zero);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay);
        }

        var etag = $"\"{path.GetHashCode(StringComparison.Ordinal):x8}\"";
        string type;
        byte[] body;
        var cacheControl = "no-cache";
        if (path == "/")
        {
            (type, body) = ("text/html; charset=utf-8", Encoding.UTF8.GetBytes(PageHtml(ExtraHtml)));
        }
        else if (path == "/frame.html")
        {
            (type, body) = ("text/html; charset=utf-8", Encoding.UTF8.GetBytes("<html><body><img src=\"/frame/a.png\"><img src=\"/frame/b.png\"></body></html>"));
        }
        else if (RedirectsTo.TryGetValue(path, out var elsewhere))
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = elsewhere;
            return;
        }
        else if (path == "/redirect-img")
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = "/img/redirected.png";
            return;
        }
        else if (path.StartsWith("/css/", StringComparison.Ordinal))
        {
            var i = path[5..^4];
            var css = $"@font-face {{ font-family: f{i}; src: url(\"/font/{i}.woff2\") format(\"woff2\"); }}\n" +
                $".a{i} {{ background-image: url(/bg/{i}-0.png); }}\n/* url(/commented-out.png) */\n" +
                $"@media screen {{ .b{i} {{ background: url('../bg/{i}-1.png') no-repeat; }} }}\n.c{i} {{ list-style-image: url(\"/bg/{i}-2.png\"); }}\n";
            (type, body) = ("text/css", Encoding.UTF8.GetBytes(css + new string(' ', 2000)));
        }
        else if (path.StartsWith("/js/", StringComparison.Ordinal))
        {
            (type, body) = ("application/javascript", Encoding.UTF8.GetBytes("console.log('" + new string('x', 3000) + "');"));
        }
        else if (path.EndsWith(".png", StringComparison.Ordinal) || path.EndsWith(".woff2", StringComparison.Ordinal))
        {
            (type, body) = (path.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "font/woff2", new byte[4096 + (path.Length * 37)]);
            cacheControl = "max-age=3600";
        }
        else
        {
            context.Response.StatusCode = 404;
            return;
        }

        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = cacheControl;
        context.Response.Headers["X-Cache"] = "MISS from test-site";
        if (context.Request.Headers.IfNoneMatch == etag)
        {
            context.Response.StatusCode = 304;
            return;
        }

        context.Response.ContentType = type;
        if (type == "text/css" && context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.Ordinal))
        {
            using var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(body);
            }

            body = compressed.ToArray();
            context.Response.Headers.ContentEncoding = "gzip";
        }

        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
