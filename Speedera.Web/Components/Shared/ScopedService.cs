namespace Speedera.Web.Components.Shared;

/// <summary>
/// Runs one call of a scoped feature service (and its DbContext) in a DI scope of its own. A circuit
/// lives for hours; holding one DbContext that long is the classic Blazor Server bug, so interactive
/// pages reach the feature services through this.
/// </summary>
public sealed class ScopedService<TService>(IServiceScopeFactory scopes)
    where TService : notnull
{
    public async Task<TResult> RunAsync<TResult>(Func<TService, Task<TResult>> call)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public async Task RunAsync(Func<TService, Task> call)
    {
        await using var scope = scopes.CreateAsyncScope();
        await call(scope.ServiceProvider.GetRequiredService<TService>());
    }
}
