using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Speedera.Tests.Integration.Cache;

/// <summary>A real origin on 127.0.0.1, port 0: tests map paths to handlers and count what reaches it.</summary>
public sealed class OriginServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RequestDelegate> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public int Port { get; private set; }

    /// <summary>When set, the Date field of every response comes from this clock (the cache under test runs on it).</summary>
    public TimeProvider? Clock { get; set; }

    public ConcurrentQueue<(string Method, string Path, string Host, IHeaderDictionary Headers)> Requests { get; } = new();

    public static async Task<OriginServer> StartAsync(int port = 0)
    {
        var origin = new OriginServer();
        await origin.RunAsync(port);
        return origin;
    }

    private async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port);
        });
        var app = builder.Build();
        app.Run(async context =>
        {
            var key = context.Request.Path.Value + context.Request.QueryString.Value;
            var copy = new HeaderDictionary();
            foreach (var h in context.Request.Headers)
            {
                copy[h.Key] = h.Value;
            }

            Requests.Enqueue((context.Request.Method, key, context.Request.Host.Value ?? "", copy));
            _hits.AddOrUpdate(context.Request.Path.Value!, 1, (_, n) => n + 1);
            if (Clock is { } clock)
            {
                context.Response.Headers.Date = clock.GetUtcNow().ToString("r");
            }

            if (_routes.TryGetValue(context.Request.Path.Value!, out var handler))
            {
                await handler(context);
            }
            else
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("origin: not found");
            }
        });
        await app.StartAsync();
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address).Port;
    }

    public void Map(string path, RequestDelegate handler) => _routes[path] = handler;

    /// <summary>Serves a fixed body with the given response header fields.</summary>
    public void MapStatic(string path, string body, params (string Name, string Value)[] headers) =>
        Map(path, async context =>
        {
            foreach (var (name, value) in headers)
            {
                context.Response.Headers.Append(name, value);
            }

            await context.Response.WriteAsync(body);
        });

    public int Hits(string path) => _hits.TryGetValue(path, out var n) ? n : 0;

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
