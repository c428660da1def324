using Microsoft.EntityFrameworkCore;
using Speedera.Core.Configuration;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Configuration;

public enum PublishOutcome
{
    Published,
    NoChange,
    Invalid,
    NotFound,
}

/// <summary>What a publish did; <see cref="Errors"/> says why an invalid network was not published.</summary>
public sealed record PublishResult(PublishOutcome Outcome, long? Version, string? Summary, IReadOnlyList<ConfigurationError> Errors)
{
    public bool Succeeded => Outcome is PublishOutcome.Published or PublishOutcome.NoChange;
}

/// <summary>
/// The publish service features call after saving anything the network runs on: generates the
/// whole document, validates it, and stores a new signed version only when the content changed.
/// Publishes are serialized; the version is the previous one plus one.
/// </summary>
/// <summary>One stored configuration version as the history page lists it.</summary>
public sealed record ConfigVersionSummary(long Version, DateTime CreatedAt, string Author, string Summary, string Hash);

public sealed partial class ConfigurationPublisher(
    SpeederaDbContext db,
    NetworkConfigurationGenerator generator,
    ConfigurationSigningKey signingKey,
    ConfigurationFeed feed,
    TimeProvider time,
    ILogger<ConfigurationPublisher> logger)
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The newest stored versions, newest first.</summary>
    public async Task<IReadOnlyList<ConfigVersionSummary>> HistoryAsync(int count, CancellationToken cancellationToken = default) =>
        await db.ConfigVersions.AsNoTracking().OrderByDescending(v => v.Version).Take(count)
            .Select(v => new ConfigVersionSummary(v.Version, v.CreatedAt, v.Author, v.Summary, v.Hash))
            .ToListAsync(cancellationToken).ConfigureAwait(false);

    public async Task<PublishResult> PublishAsync(string author, CancellationToken cancellationToken = default) =>
        Metrics.PortalTelemetry.CountPublish(await PublishNewAsync(author, cancellationToken).ConfigureAwait(false));

    private async Task<PublishResult> PublishNewAsync(string author, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var previous = await LatestAsync(cancellationToken).ConfigureAwait(false);
            var version = (previous?.Version ?? 0) + 1;
            var now = time.GetUtcNow();
            var configuration = await generator.GenerateAsync(version, now, cancellationToken).ConfigureAwait(false);
            var contentHash = NetworkConfigurationSerializer.ComputeContentHash(configuration);
            if (previous is not null && previous.ContentHash == contentHash)
            {
                return new PublishResult(PublishOutcome.NoChange, previous.Version, null, []);
            }

            return await StoreAsync(configuration, contentHash, previous, author, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Publishes the content of <paramref name="version"/> again as a new version.</summary>
    public async Task<PublishResult> RollBackAsync(long version, string author, CancellationToken cancellationToken = default) =>
        Metrics.PortalTelemetry.CountPublish(await RollBackToAsync(version, author, cancellationToken).ConfigureAwait(false));

    private async Task<PublishResult> RollBackToAsync(long version, string author, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var target = await db.ConfigVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Version == version, cancellationToken).ConfigureAwait(false);
            if (target is null || !SignedConfiguration.TryParse(target.Envelope, out var envelope, out _))
            {
                return new PublishResult(PublishOutcome.NotFound, null, null, [new ConfigurationError("version", $"Version {version} does not exist.")]);
            }

            var previous = await LatestAsync(cancellationToken).ConfigureAwait(false);
            var old = NetworkConfigurationSerializer.Deserialize(envelope!.Document);
            var next = previous!.Version + 1;
            var configuration = old with
            {
                Version = next,
                GeneratedAt = time.GetUtcNow(),
                Zones = [.. old.Zones.Select(z => z with { Soa = z.Soa with { Serial = (uint)Math.Min(next, uint.MaxValue) } })],
            };
            return await StoreAsync(configuration, NetworkConfigurationSerializer.ComputeContentHash(configuration), previous, author, version, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    private async Task<PublishResult> StoreAsync(
        NetworkConfiguration configuration, string contentHash, ConfigVersionEntity? previous, string author, long? rolledBackFrom, CancellationToken cancellationToken)
    {
        var validation = NetworkConfigurationValidator.Validate(configuration);
        if (!validation.IsValid)
        {
            LogInvalid(logger, configuration.Version, validation.Errors.Count, validation.ToString());
            return new PublishResult(PublishOutcome.Invalid, null, null, validation.Errors);
        }

        NetworkConfiguration? before = null;
        if (previous is not null && SignedConfiguration.TryParse(previous.Envelope, out var previousEnvelope, out _))
        {
            before = NetworkConfigurationSerializer.Deserialize(previousEnvelope!.Document);
        }

        var summary = NetworkConfigurationDiff.Summarize(before, configuration);
        if (rolledBackFrom is { } from)
        {
            summary = $"Roll back to version {from}: {summary}";
        }

        if (summary.Length > 2000)
        {
            summary = summary[..1997] + "...";
        }

        var envelope = SignedConfiguration.Sign(configuration, signingKey.Key);
        var bytes = envelope.ToJsonBytes();
        db.ConfigVersions.Add(new ConfigVersionEntity
        {
            Version = configuration.Version,
            Hash = envelope.Hash,
            ContentHash = contentHash,
            KeyId = envelope.KeyId,
            Author = author,
            CreatedAt = configuration.GeneratedAt.UtcDateTime,
            Summary = summary,
            RolledBackFrom = rolledBackFrom,
            Envelope = bytes,
        });
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        feed.Publish(new PublishedConfiguration(envelope.Version, envelope.Hash, bytes));
        LogPublished(logger, configuration.Version, envelope.Hash, author, summary);
        return new PublishResult(PublishOutcome.Published, configuration.Version, summary, []);
    }

    private Task<ConfigVersionEntity?> LatestAsync(CancellationToken cancellationToken) =>
        db.ConfigVersions.AsNoTracking().OrderByDescending(v => v.Version).FirstOrDefaultAsync(cancellationToken);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Published configuration version {Version} ({Hash}) by {Author}: {Summary}")]
    private static partial void LogPublished(ILogger logger, long version, string hash, string author, string summary);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Configuration version {Version} not published: {Count} validation error(s): {Errors}")]
    private static partial void LogInvalid(ILogger logger, long version, int count, string errors);
}
