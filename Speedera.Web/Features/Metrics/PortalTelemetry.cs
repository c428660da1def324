using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Authorization;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;

namespace Speedera.Web.Features.Metrics;

/// <summary>
/// The portal's metrics: requests through ASP.NET Core's own meters (http.server.request.duration, Kestrel
/// connections) and the portal's meter (configuration publishes), exported in Prometheus text format on <c>/metrics</c>.
/// </summary>
public static class PortalTelemetry
{
    public const string MeterName = "Speedera.Web";
    public const string MetricsPath = "/metrics";
    public const string MetricsPolicy = "MetricsReaders";

    // The portal process has one meter of its own; ASP.NET Core's meters come from its IMeterFactory.
    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> ConfigPublishes = Meter.CreateCounter<long>(
        "speedera.portal.config.publishes", "{publish}", "Network configuration publishes and roll-backs by outcome");

    /// <summary>Counts a publish or roll-back by its outcome and hands the result back.</summary>
    public static PublishResult CountPublish(PublishResult result)
    {
        ConfigPublishes.Add(1, new KeyValuePair<string, object?>("outcome", result.Outcome.ToString()));
        return result;
    }

    public static IServiceCollection AddPortalMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().ConfigureResource(r => r.AddService("speedera-portal")).WithMetrics(m => m
            .AddMeter(MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing")
            .AddPrometheusExporter());
        services.AddAuthorizationBuilder().AddPolicy(MetricsPolicy, p => p.RequireAssertion(MayReadMetrics));
        return services;
    }

    /// <summary>
    /// <c>/metrics</c> answers NOC and Admin users, and scrapers on this machine: a loopback connection that no
    /// proxy forwarded (a reverse proxy on the same host would otherwise make every visitor local).
    /// </summary>
    public static IEndpointConventionBuilder MapPortalMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(MetricsPolicy);

    internal static bool MayReadMetrics(AuthorizationHandlerContext context)
    {
        if (context.User.IsInRole(Roles.Noc) || context.User.IsInRole(Roles.Admin))
        {
            return true;
        }

        return context.Resource is HttpContext http
            && http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
            && !http.Request.Headers.ContainsKey("X-Forwarded-For") && !http.Request.Headers.ContainsKey("Forwarded");
    }
}
