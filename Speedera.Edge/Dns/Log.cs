using System.Net;
using Microsoft.Extensions.Logging;

namespace Speedera.Edge.Dns;

internal static partial class Log
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "DNS server listening on {EndPoint} (UDP and TCP)")]
    public static partial void Listening(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "DNS server stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Unexpected error handling a DNS request from {Remote}; request dropped")]
    public static partial void RequestFailed(ILogger logger, string remote, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "UDP receive failed: {Error}")]
    public static partial void UdpReceiveFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Debug, Message = "TCP connection from {Remote} ended: {Reason}")]
    public static partial void TcpConnectionEnded(ILogger logger, Speedera.Core.Gtm.ClientAddress remote, string reason);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "TCP connection limit {Limit} reached; refusing a connection")]
    public static partial void TcpLimitReached(ILogger logger, int limit);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Error, Message = "Network configuration version {Version} could not be compiled for DNS; keeping the previous one")]
    public static partial void ConfigurationRejected(ILogger logger, long version, Exception exception);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Debug, Message = "Swept {Count} expired persistence entries")]
    public static partial void PersistenceSwept(ILogger logger, int count);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Could not write the DNS query log")]
    public static partial void QueryLogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Latency table {Path} could not be read; starting empty")]
    public static partial void LatencyTableUnreadable(ILogger logger, Exception exception, string path);
}
