using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Speedera.E2E;

/// <summary>A customer's origin server: a tiny Kestrel on one loopback address answering /health and /img.png.</summary>
public sealed class TestOrigin : IAsyncDisposable
{
    /// <summary>A small PNG (1x1 pixel).</summary>
    public static readonly byte[] Image = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    private readonly WebApplication app;
    private int imageRequests;
    private bool stopped;

    private TestOrigin(WebApplication app, IPEndPoint endPoint)
    {
        this.app = app;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>How often the origin was asked for /img.png (each one is a cache miss).</summary>
    public int ImageRequests => Volatile.Read(ref imageRequests);

    public static async Task<TestOrigin> StartAsync(IPAddress address, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(address, port));
        var app = builder.Build();
        var origin = new TestOrigin(app, new IPEndPoint(address, port));
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/img.png", (HttpContext http) =>
        {
            Interlocked.Increment(ref origin.imageRequests);
            http.Response.Headers.CacheControl = "public, max-age=600";
            return Results.Bytes(Image, "image/png");
        });
        // The demo traffic generator's paths: real bodies, so the graphs of bytes served and from origin have something to show.
        foreach (var (path, type, size) in new[] { ("/favicon.svg", "image/svg+xml", 3_000), ("/dist/site.css", "text/css", 24_000), ("/dist/site.js", "text/javascript", 60_000), ("/dist/charts.js", "text/javascript", 120_000) })
        {
            var body = new byte[size];
            Array.Fill(body, (byte)'x');
            app.MapGet(path, (HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "public, max-age=30";
                return Results.Bytes(body, type);
            });
        }

        await app.StartAsync();
        return origin;
    }

    public async Task StopAsync()
    {
        if (!stopped)
        {
            stopped = true;
            await app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await app.DisposeAsync();
    }
}
