using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speedera.Core.ControlPlane;
using Speedera.Edge.ControlPlane;

namespace Speedera.Edge.Hosting;

/// <summary>
/// Local status endpoint on <see cref="EdgeOptions.StatusListen"/>: <c>GET /status</c> (running
/// version, refusals, spool, role health) and <c>GET /healthz</c> (200 once a configuration runs).
/// </summary>
public sealed class EdgeStatusServer(EdgeOptions options, EdgeStatus status, ConfigurationHolder holder, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.StatusListen is not { } endpoint)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k => k.Listen(endpoint));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, EdgeApiJsonContext.Default));
        var app = builder.Build();
        app.MapGet("/status", () => Results.Json(status.CreateStatus(), EdgeApiJsonContext.Default.EdgeStatusReport));
        app.MapGet("/healthz", () => holder.Current is null
            ? Results.Text("no configuration yet", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ok"));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
