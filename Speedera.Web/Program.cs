using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Speedera.Web.Components;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Edge;
using Speedera.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddSpeederaPortal();

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
    app.UseHsts();
    app.UseHttpsRedirection();
}

app.UseMiddleware<SecurityHeadersMiddleware>();
app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
app.MapAccountEndpoints();
app.MapEdgeApi();
app.MapRazorComponents<App>();

await app.InitializeSpeederaAsync();
await app.RunAsync();

public partial class Program;
