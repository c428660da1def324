using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Speedera.Web.Data;

namespace Speedera.Web.Hosting;

public static class StartupExtensions
{
    /// <summary>Migrates and seeds the database, then prints where the portal is and how to log in.</summary>
    public static async Task InitializeSpeederaAsync(this WebApplication app)
    {
        string? generatedPassword;
        using (var scope = app.Services.CreateScope())
        {
            generatedPassword = await scope.ServiceProvider.GetRequiredService<DatabaseInitializer>()
                .InitializeAsync(app.Lifetime.ApplicationStopping);
        }

        var speedera = app.Services.GetRequiredService<IOptions<SpeederaOptions>>().Value;
        if (speedera.Security.AllowPrivateTargets)
        {
            SecurityLog.PrivateTargetsAllowed(app.Logger);
        }

        var admin = speedera.Admin;
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            var url = addresses?.FirstOrDefault() ?? "(no HTTP address)";
            Console.WriteLine();
            Console.WriteLine($"Speedera portal: {url}");
            Console.WriteLine($"  Sign in as {admin.Email}");
            Console.WriteLine(generatedPassword is null
                ? "  with the password from Speedera__Admin__Password (or the one printed when the database was created)."
                : $"  with the generated password: {generatedPassword}   (shown once; set Speedera__Admin__Password to choose one)");
            Console.WriteLine("  or sign up as a new customer at " + url.TrimEnd('/') + "/Account/Register");
            Console.WriteLine();
        });
    }
}
