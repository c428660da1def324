using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speedera.Core.ControlPlane;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Speedera.Edge.ControlPlane;
using Speedera.Edge.Telemetry;

namespace Speedera.Edge.Hosting;

/// <summary>
/// Local status endpoint on <see cref="EdgeOptions.StatusListen"/>: <c>GET /status</c> (running
/// version, refusals, spool, role health), <c>GET /healthz</c> (200 once a configuration runs) and
/// <c>GET /metrics</c> (the node's meters in Prometheus text format; see <see cref="EdgeMetrics"/>).
/// The listener is meant for loopback or a management network: it has no authentication.
/// </summary>
public sealed class EdgeStatusServer(EdgeOptions options, EdgeStatus status, ConfigurationHolder holder, ILoggerFactory loggerFactory, EdgeMetrics metrics) : IHostedService, IAsyncDisposable
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
        builder.Services.AddSingleton(metrics);
        // A scrape reads a few hundred counters: no need to cache it (the exporter would by default for 300 ms).
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("speedera-edge", serviceInstanceId: options.NodeId))
            .WithMetrics(m => m.AddMeter(EdgeTelemetry.MeterNames).AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
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
