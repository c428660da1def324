namespace Speedera.Web.Features.PageCheck;

public static class PageCheckServiceCollectionExtensions
{
    public static IServiceCollection AddPageChecks(this IServiceCollection services)
    {
        services.AddOptions<PageCheckOptions>().BindConfiguration(PageCheckOptions.Section)
            .Validate(o => o.LocationTimeout > TimeSpan.Zero && o.AgentTimeout > TimeSpan.Zero, "Speedera:PageChecks timeouts must be positive, e.g. 00:01:30.")
            .Validate(o => o.MaxChecksPerHour > 0 && o.MaxUnfinishedChecks > 0, "Speedera:PageChecks rate limits must be positive.")
            .ValidateOnStart();
        services.AddSingleton<PageCheckFeed>();
        services.AddScoped<PageCheckService>();
        services.AddSingleton<Reports.IUploadConsumer, PageCheckResultsConsumer>();
        return services;
    }
}
