namespace Speedera.Core.Cache;

/// <summary>
/// One minute of cache traffic for one hostname on one POP: the unit uploaded to the control
/// plane for graphs and invoices. <see cref="Minute"/> is the start of the minute (UTC); the
/// tuple (Minute, Hostname, PopId, NodeId) identifies a row so uploads can be idempotent.
/// </summary>
public sealed record UsageRollup(
    DateTimeOffset Minute,
    string Hostname,
    string PopId,
    string NodeId,
    long Requests,
    long BytesToClients,
    long BytesFromOrigin,
    long Status2xx,
    long Status3xx,
    long Status4xx,
    long Status5xx,
    long Hits,
    long Misses);
