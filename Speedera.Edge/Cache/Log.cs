using Microsoft.Extensions.Logging;

namespace Speedera.Edge.Cache;

internal static partial class Log
{
    [LoggerMessage(6001, LogLevel.Information, "Cache listening on {Endpoint}")]
    public static partial void Listening(ILogger logger, string endpoint);

    [LoggerMessage(6002, LogLevel.Information, "Cache configuration version {Version} applied: {HostCount} CDN hostnames")]
    public static partial void ConfigurationApplied(ILogger logger, long version, int hostCount);

    [LoggerMessage(6003, LogLevel.Warning, "Origin {Origin} failed for {Host}{Path}: {Reason}")]
    public static partial void OriginFailed(ILogger logger, string origin, string host, string path, string reason);

    [LoggerMessage(6004, LogLevel.Warning, "Disk object {File} failed its checksum and was discarded")]
    public static partial void CorruptDiskObject(ILogger logger, string file);

    [LoggerMessage(6005, LogLevel.Information, "Loaded {Count} objects ({Bytes} bytes) from the disk tier")]
    public static partial void DiskLoaded(ILogger logger, int count, long bytes);

    [LoggerMessage(6006, LogLevel.Information, "Purge {OrderId} ({Kind} {Host}{Path}, soft={Soft}) affected {Count} objects")]
    public static partial void Purged(ILogger logger, Guid orderId, string kind, string host, string path, bool soft, int count);

    [LoggerMessage(6007, LogLevel.Warning, "Disk tier write failed for {Host}{Path}")]
    public static partial void DiskWriteFailed(ILogger logger, Exception exception, string host, string path);

    [LoggerMessage(6008, LogLevel.Warning, "Background revalidation of {Host}{Path} failed")]
    public static partial void BackgroundRevalidationFailed(ILogger logger, Exception exception, string host, string path);

    [LoggerMessage(6009, LogLevel.Warning, "Access log write failed")]
    public static partial void AccessLogFailed(ILogger logger, Exception exception);
}
