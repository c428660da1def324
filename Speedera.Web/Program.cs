using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Speedera.Web.Components;
using Speedera.Web.Components.Theme;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Api;
using Speedera.Web.Features.Billing;
using Speedera.Web.Features.Edge;
using Speedera.Web.Features.Metrics;
using Speedera.Web.Features.Organizations;
using Speedera.Web.Features.Traffic;
using Speedera.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddSpeederaPortal();

var app = builder.Build();

// APIs answer errors as RFC 9457 problem details; pages get the HTML error and not-found pages.
static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api");

// Behind a TLS-terminating proxy: scheme and client address from the known proxies' X-Forwarded-* headers.
app.UseForwardedHeaders();

// In every environment, Development included: the developer exception page would echo the request's headers (API keys).
app.UseWhen(IsApi, api => api.UseExceptionHandler(new ExceptionHandlerOptions
{
    StatusCodeSelector = ApiProblems.StatusCodeFor,
    SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException,
}));
if (!app.Environment.IsDevelopment())
{
    app.UseWhen(c => !IsApi(c), pages => pages.UseExceptionHandler("/Error", createScopeForErrors: true));
    app.UseHsts();
    app.UseHttpsRedirection();
}

app.UseMiddleware<SecurityHeadersMiddleware>();
app.UseWhen(c => !IsApi(c), pages => pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
app.UseStaticFiles();

// Routing after the status-code pages, so a re-executed /not-found is routed to its page instead of an empty 404.
app.UseRouting();
app.UseWhen(IsApi, api => api.UseMiddleware<AuthenticationFailureLimitMiddleware>());
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseAntiforgery();

app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
app.MapAccountEndpoints();
app.MapEdgeApi();
Speedera.Web.Features.Status.StatusEndpoints.MapStatusSite(app);
app.MapCustomerApi();
app.MapBilling();
app.MapOrganizationApi();
app.MapTrafficExports();
Speedera.Web.Features.PageCheck.PageCheckDownloads.MapPageCheckDownloads(app);
app.MapPortalMetrics();
app.MapThemePreference();
app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

await app.InitializeSpeederaAsync();
await app.RunAsync();

public partial class Program;
