using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Web.Hosting;

namespace Speedera.Web.Data;

/// <summary>
/// Brings the database to the current schema (never losing data), creates the roles, the first
/// admin and, on an empty network, the demo POPs and servers.
/// </summary>
public sealed partial class DatabaseInitializer(
    SpeederaDbContext db,
    UserManager<ApplicationUser> users,
    RoleManager<IdentityRole> roles,
    DemoNetworkSeeder demoNetwork,
    IOptions<SpeederaOptions> options,
    TimeProvider time,
    ILogger<DatabaseInitializer> logger)
{
    /// <summary>Returns the generated admin password when one had to be created, else null.</summary>
    public async Task<string?> InitializeAsync(CancellationToken cancellationToken)
    {
        if (await LegacyMigrations.AdoptAsync(db, cancellationToken) is { } baseline)
        {
            Log.AdoptedLegacyDatabase(logger, LegacyMigrations.Last, baseline);
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            Log.ApplyingMigrations(logger, pending.Count, string.Join(", ", pending));
            await db.Database.MigrateAsync(cancellationToken);
        }

        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
            }
        }

        var generatedPassword = await EnsureAdminAsync();

        if (options.Value.SeedDemoNetwork)
        {
            await demoNetwork.SeedAsync(cancellationToken);
        }

        return generatedPassword;
    }

    private async Task<string?> EnsureAdminAsync()
    {
        var admin = options.Value.Admin;
        if (await users.FindByEmailAsync(admin.Email) is not null)
        {
            return null;
        }

        var password = string.IsNullOrEmpty(admin.Password) ? GeneratePassword() : admin.Password;
        var user = new ApplicationUser
        {
            UserName = admin.Email,
            Email = admin.Email,
            EmailConfirmed = true,
            DisplayName = "Administrator",
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        Check(await users.CreateAsync(user, password), "create the admin user (check Speedera__Admin__Password)");
        Check(await users.AddToRolesAsync(user, [Roles.Admin, Roles.Noc, Roles.Finance]), "give the admin its roles");
        Log.AdminCreated(logger, admin.Email);
        return string.IsNullOrEmpty(admin.Password) ? password : null;
    }

    internal static string GeneratePassword()
    {
        // 18 random characters from four classes so Identity's rules always pass.
        const string alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var chars = new char[18];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        return "Sp-" + new string(chars) + "7a";
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {what}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1000, LogLevel.Information, "Applying {Count} database migrations: {Migrations}")]
        public static partial void ApplyingMigrations(ILogger logger, int count, string migrations);

        [LoggerMessage(1001, LogLevel.Information, "Created the admin account {Email}")]
        public static partial void AdminCreated(ILogger logger, string email);

        [LoggerMessage(1002, LogLevel.Information, "Database made by the hand-written migrations (up to {Legacy}) adopted as EF Core migration {Baseline}")]
        public static partial void AdoptedLegacyDatabase(ILogger logger, string legacy, string baseline);
    }
}
