using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;
using Speedera.Web.Data;
using Speedera.Web.Features.Account;
using Speedera.Web.Features.Api;
using Speedera.Web.Features.Billing;
using Speedera.Web.Features.Domains;
using Speedera.Web.Features.Edge;
using Speedera.Web.Features.Email;
using Speedera.Web.Features.Gtm.Policy;
using Speedera.Web.Features.Metrics;
using Speedera.Web.Features.Organizations;
using Speedera.Web.Features.Reports;

namespace Speedera.Web.Hosting;

public static class PortalServiceCollectionExtensions
{
    /// <summary>Everything the portal needs: options, database, Identity, roles, mail, health.</summary>
    public static WebApplicationBuilder AddSpeederaPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Serves framework and package assets (blazor.web.js, MudBlazor) from build output in every
        // environment, not only Development; a published app has them in wwwroot and this is a no-op.
        builder.WebHost.UseStaticWebAssets();
        services.AddOptions<SpeederaOptions>().BindConfiguration(SpeederaOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Security.InfrastructureAddresses.All(a => System.Net.IPAddress.TryParse(a, out _)), "Speedera:Security:InfrastructureAddresses must list IP addresses.")
            .ValidateOnStart();
        services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section)
            .Validate(m => m.Delivery != MailDelivery.Smtp || !string.IsNullOrWhiteSpace(m.SmtpHost), "Speedera:Mail:SmtpHost is required when Delivery is Smtp.")
            .Validate(m => m.MaxAttempts is > 0 and <= 50, "Speedera:Mail:MaxAttempts must be between 1 and 50.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSpeederaDatabase(builder.Configuration, builder.Environment.ContentRootPath);
        services.AddScoped<DemoNetworkSeeder>();
        services.AddScoped<DatabaseInitializer>();

        var dataDirectory = (builder.Configuration.GetSection(SpeederaOptions.Section).Get<SpeederaOptions>() ?? new SpeederaOptions())
            .ResolveDataDirectory(builder.Environment.ContentRootPath);
        services.AddDataProtection()
            .SetApplicationName("Speedera")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDirectory, "keys")));

        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        // Outlined snackbars keep their text at the palette's contrast on every background (axe-core).
        services.AddMudServices(c => c.SnackbarConfiguration.SnackbarVariant = MudBlazor.Variant.Outlined);
        services.AddSingleton<Components.Theme.ThemeStylesheet>();
        services.AddSingleton<Features.Live.LiveFeed>();
        services.AddSingleton<Features.Noc.INocQueries, Features.Noc.NocQueries>();
        services.AddSingleton<Features.Finance.FinanceQueries>();
        services.AddSingleton<Features.Overview.OverviewQueries>();
        services.AddSingleton<Features.Domains.HostnameListQueries>();
        services.AddSingleton(typeof(Components.Shared.ScopedService<>));
        services.AddSingleton<Features.Edge.NodeQueries>();
        services.AddSingleton<Features.Configuration.ConfigurationQueries>();
        services.AddSingleton<Features.Content.PurgeQueries>();
        services.AddSingleton<Features.Admin.UserQueries>();
        services.AddScoped<IdentityRedirectManager>();
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(o =>
            {
                o.LoginPath = "/Account/Login";
                o.AccessDeniedPath = "/Account/AccessDenied";
                o.Cookie.Name = "speedera.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
            }));
        services.AddPortalMetrics();
        services.AddAuthorizationBuilder().AddPortalPolicies();

        services.AddIdentityCore<ApplicationUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = true;
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 10;
                options.Password.RequiredUniqueChars = 5;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.Lockout.AllowedForNewUsers = true;
                options.Stores.SchemaVersion = SpeederaDbContext.IdentitySchema;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<SpeederaDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<SpeederaClaimsPrincipalFactory>();

        // Every request checks the cookie against the account's security stamp (and reloads its roles), so a
        // role change or a password reset ends access at once; it costs a user lookup per signed-in request.
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);
        services.AddScoped<Features.Admin.StaffRoleService>();
        services.AddScoped<Features.Account.SignupService>();

        services.AddSingleton<OutboxSignal>();
        services.AddScoped<Outbox>();
        services.AddScoped<IEmailSender<ApplicationUser>, OutboxIdentityEmailSender>();
        services.AddSingleton<PickupDirectoryMailTransport>();
        services.AddSingleton<SmtpMailTransport>();
        services.AddSingleton<IMailTransport>(sp =>
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<MailOptions>>().Value.Delivery == MailDelivery.Smtp
                ? sp.GetRequiredService<SmtpMailTransport>()
                : sp.GetRequiredService<PickupDirectoryMailTransport>());
        services.AddHostedService<OutboxDispatcher>();

        services.AddEdgeControlPlane(builder.Configuration, builder.Environment);
        Features.Status.NocOperationsServiceCollectionExtensions.AddNocOperations(services);

        services.AddOptions<VerificationOptions>().BindConfiguration(VerificationOptions.Section)
            .Validate(o => string.IsNullOrWhiteSpace(o.Resolver) || System.Net.IPEndPoint.TryParse(o.Resolver, out _), "Speedera:Verification:Resolver must be an address such as 127.0.0.1:53.")
            .Validate(o => o.PendingClaimLifetime > TimeSpan.Zero, "Speedera:Verification:PendingClaimLifetime must be positive, e.g. 7.00:00:00.")
            .ValidateOnStart();
        services.AddSingleton<IDnsVerifier, DnsVerifier>();
        services.AddScoped<DomainService>();
        services.AddScoped<CustomerTargets>();
        services.AddHostedService<VerificationScheduler>();
        services.AddSingleton<Features.Reports.IUploadConsumer, Features.Reports.ProbeResultsConsumer>();
        services.AddSingleton<Features.Reports.IUploadConsumer, Features.Reports.DecisionsConsumer>();
        services.AddSingleton<Features.Reports.IUploadConsumer, Features.Reports.UsageConsumer>();
        services.AddTrafficAnalytics();
        services.AddScoped<Features.Gtm.ILiveStateSource, Features.Gtm.LiveStateSource>();
        services.AddSingleton<Features.Content.PurgeFeed>();
        services.AddScoped<Features.Content.PurgeService>();
        Features.PageCheck.PageCheckServiceCollectionExtensions.AddPageChecks(services);

        services.AddCustomerApi();
        services.AddOrganizations();
        services.AddBilling();
        services.AddGtmPolicies();

        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section)
            .Validate(o => o.KnownProxies.All(ProxyOptions.IsValidEntry), "Speedera:Proxy:KnownProxies entries must be addresses (10.0.0.5) or networks (10.0.0.0/24).")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<Microsoft.Extensions.Options.IOptions<ProxyOptions>>((o, proxy) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            if (proxy.Value.KnownProxies.Count > 0)
            {
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
                foreach (var entry in proxy.Value.KnownProxies.Where(ProxyOptions.IsValidEntry))
                {
                    if (System.Net.IPAddress.TryParse(entry, out var address))
                    {
                        o.KnownProxies.Add(address);
                    }
                    else
                    {
                        o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(entry));
                    }
                }
            }
        });
        services.AddOptions<AbuseLimitOptions>().BindConfiguration(AbuseLimitOptions.Section)
            .Validate(o => o.FailedAuthenticationsPerWindow > 0 && o.FailedAuthenticationWindow > TimeSpan.Zero && o.MaxTrackedAddresses >= 100,
                "Speedera:AbuseLimits needs FailedAuthenticationsPerWindow > 0, FailedAuthenticationWindow > 0 and MaxTrackedAddresses >= 100.")
            .ValidateOnStart();
        services.AddSingleton<AuthenticationFailureLimiter>();
        services.AddSingleton<FailedLoginTracker>();
        services.AddSingleton<FormReplayGuard>();
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        return builder;
    }
}
