using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Speedera.Edge.Hosting;

namespace Speedera.Edge.ControlPlane;

/// <summary>
/// Runs before the roles: loads the document to start from, either <c>--config FILE</c> or the last
/// good document in the data folder (static stability: the node serves even when the control
/// plane is unreachable).
/// </summary>
public sealed partial class ConfigurationBootstrapper(
    EdgeOptions options,
    ConfigurationVerifier verifier,
    ConfigurationHolder holder,
    LastGoodStore lastGood,
    TimeProvider time,
    ILogger<ConfigurationBootstrapper> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.ConfigFile is { } file)
        {
            var bytes = File.Exists(file)
                ? File.ReadAllBytes(file)
                : throw new EdgeStartupException($"--config file '{file}' does not exist.");
            var result = verifier.Verify(bytes);
            if (!result.Ok)
            {
                throw new EdgeStartupException($"--config file '{file}' is refused: {result.Error}");
            }

            Apply(result, ConfigurationSource.File);
            return Task.CompletedTask;
        }

        var stored = lastGood.TryRead();
        if (stored is null)
        {
            LogNoLastGood(logger, lastGood.FilePath);
            return Task.CompletedTask;
        }

        var fromDisk = verifier.Verify(stored);
        if (!fromDisk.Ok)
        {
            holder.RecordRefusal(new ConfigurationRefusal(fromDisk.Envelope?.Version, "Last good file: " + fromDisk.Error, time.GetUtcNow()));
            LogLastGoodRefused(logger, lastGood.FilePath, fromDisk.Error!);
            return Task.CompletedTask;
        }

        Apply(fromDisk, ConfigurationSource.LastGood);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Apply(ConfigurationVerifier.Result result, ConfigurationSource source)
    {
        var envelope = result.Envelope!;
        holder.Apply(new AppliedConfiguration(result.Configuration!, envelope.Version, envelope.Hash, time.GetUtcNow(), source));
        LogStartedFrom(logger, envelope.Version, envelope.Hash, source);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Starting from configuration version {Version} ({Hash}) from {Source}")]
    private static partial void LogStartedFrom(ILogger logger, long version, string hash, ConfigurationSource source);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "No last good configuration at {Path}; waiting for the control plane")]
    private static partial void LogNoLastGood(ILogger logger, string path);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Last good configuration at {Path} is refused: {Reason}")]
    private static partial void LogLastGoodRefused(ILogger logger, string path, string reason);
}

/// <summary>A start-up problem the operator must fix; the message says what.</summary>
public sealed class EdgeStartupException(string message) : Exception(message);
