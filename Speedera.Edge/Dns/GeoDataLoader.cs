using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Speedera.Core.ControlPlane;
using Speedera.Core.Geo;
using Speedera.Edge.ControlPlane;

namespace Speedera.Edge.Dns;

/// <summary>
/// Keeps the dns node's geo data current: the signed file from disk at start (static stability), then
/// the control plane's file whenever its version changes. Every file is verified against the control
/// plane's key; without one the node answers as before (region rules skipped) and its health says so.
/// </summary>
public sealed partial class GeoDataLoader(
    GeoDataHolder holder,
    ECDsa publicKey,
    string filePath,
    ControlPlaneConnection? connection,
    TimeProvider time,
    ILogger logger)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(15);

    private string? _etag;

    public string FilePath => filePath;

    /// <summary>Loads the file on disk, if any; false with the reason recorded in the holder otherwise.</summary>
    public bool LoadFromDisk()
    {
        if (!File.Exists(filePath))
        {
            holder.SetMissing(connection is null ? $"no geo data file at {filePath}" : "waiting for the control plane's geo data");
            return false;
        }

        return Apply(File.ReadAllBytes(filePath), save: false);
    }

    /// <summary>One request to the control plane; returns how long to wait before the next.</summary>
    public async Task<TimeSpan> PollOnceAsync(CancellationToken cancellationToken)
    {
        if (connection is null)
        {
            return Timeout.InfiniteTimeSpan;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, EdgeApi.GeoDataPath);
        if (_etag is not null)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(_etag));
        }

        try
        {
            using var response = await connection.Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            switch (response.StatusCode)
            {
                case HttpStatusCode.NotModified:
                    return PollInterval;
                case HttpStatusCode.OK:
                    var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                    return Apply(bytes, save: true) ? PollInterval : RetryInterval * 4;
                default:
                    holder.SetMissing($"the control plane has no geo data (HTTP {(int)response.StatusCode})");
                    return RetryInterval;
            }
        }
        catch (HttpRequestException ex)
        {
            holder.SetMissing("the control plane is unreachable for geo data: " + ex.Message);
            return RetryInterval;
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = await PollOnceAsync(cancellationToken).ConfigureAwait(false);
                if (wait == Timeout.InfiniteTimeSpan)
                {
                    return;
                }

                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private bool Apply(byte[] envelopeBytes, bool save)
    {
        if (!SignedGeoData.TryParse(envelopeBytes, out var envelope, out var error)
            || !envelope!.TryVerify(publicKey, out var db, out error))
        {
            LogRefused(logger, error ?? "unknown");
            holder.SetMissing("geo data refused: " + error);
            return false;
        }

        if (holder.Current is { } current && current.Version > db!.Version)
        {
            LogRefused(logger, $"version {db.Version} is older than the running {current.Version}");
            return false;
        }

        _etag = envelope.ETag;
        holder.Set(db!);
        if (save)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(filePath)!);
            var temp = filePath + ".tmp";
            File.WriteAllBytes(temp, envelopeBytes);
            File.Move(temp, filePath, overwrite: true);
        }

        LogLoaded(logger, db!.Version, db.Source, db.V4RangeCount + db.V6RangeCount);
        return true;
    }

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "Geo data version {Version} loaded ({Source}, {Ranges} ranges)")]
    private static partial void LogLoaded(ILogger logger, long version, string source, int ranges);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Error, Message = "Geo data refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
