namespace Speedera.Core.Probes;

/// <summary>Body kinds of the probe ↔ dns metric exchange (see docs in MetricExchange.md).</summary>
public enum ExchangeMessageType : byte
{
    ServiceMetrics = 1,
    Latency = 2,
    ClientGroups = 3,
}

/// <summary>
/// A client a dns node has seen: its group (resolver /24 or ECS subnet, CIDR text), its address,
/// and how many queries it made since the last report. Sent dns → latency probe.
/// </summary>
public sealed record ClientSighting(string ClientGroup, string ClientAddress, int Uses);

/// <summary>What a latency probe consumes from dns nodes.</summary>
public interface IClientGroupSink
{
    void ApplyClientGroups(string dnsNodeId, IReadOnlyList<ClientSighting> sightings);
}

/// <summary>A decoded, authenticated exchange message. Exactly one body list is non-empty for its type.</summary>
public sealed record ExchangeMessage(
    ExchangeMessageType Type,
    string SenderNodeId,
    ulong Sequence,
    DateTimeOffset SentAt,
    IReadOnlyList<ServiceMetric> ServiceMetrics,
    IReadOnlyList<LatencyMeasurement> Latency,
    IReadOnlyList<ClientSighting> ClientGroups);

/// <summary>Why a datagram was rejected; each has its own counter on the receiver.</summary>
public enum ExchangeRejection
{
    None = 0,
    TooShort,
    Oversized,
    BadMagic,
    UnsupportedVersion,
    BadMac,
    Malformed,
    Replayed,
    OutsideTimeWindow,
}
