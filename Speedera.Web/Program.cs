using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Speedera.Web.Components;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Api;
using Speedera.Web.Features.Edge;
using Speedera.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddSpeederaPortal();

var app = builder.Build();

// APIs answer errors as RFC 9457 problem details; pages get the HTML error and not-found pages.
static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api");

if (!app.Environment.IsDevelopment())
{
    app.UseWhen(IsApi, api => api.UseExceptionHandler());
    app.UseWhen(c => !IsApi(c), pages => pages.UseExceptionHandler("/Error", createScopeForErrors: true));
    app.UseHsts();
    app.UseHttpsRedirection();
}

app.UseMiddleware<SecurityHeadersMiddleware>();
app.UseWhen(c => !IsApi(c), pages => pages.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseAntiforgery();

app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
app.MapAccountEndpoints();
app.MapEdgeApi();
app.MapCustomerApi();
app.MapRazorComponents<App>();

await app.InitializeSpeederaAsync();
await app.RunAsync();

public partial class Program;
