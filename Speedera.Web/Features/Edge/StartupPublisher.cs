using Speedera.Web.Features.Configuration;

namespace Speedera.Web.Features.Edge;

/// <summary>
/// At start-up, enrols the embedded node when it runs, then publishes the network if its content
/// differs from the last published version (a fresh database, an upgrade that changed generation).
/// </summary>
internal sealed partial class StartupPublisher(IServiceScopeFactory scopes, EmbeddedEdgeOptions embedded, ILogger<StartupPublisher> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        if (embedded.Enabled == true)
        {
            await EmbeddedEdgeNode.EnsureEnrolledAsync(scope.ServiceProvider, embedded, cancellationToken);
        }

        var result = await scope.ServiceProvider.GetRequiredService<ConfigurationPublisher>().PublishAsync("system (start-up)", cancellationToken);
        if (result.Outcome == PublishOutcome.Invalid)
        {
            LogInvalidAtStartup(logger, string.Join("; ", result.Errors.Take(5)));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "The network in the database is not publishable: {Errors}")]
    private static partial void LogInvalidAtStartup(ILogger logger, string errors);
}
