using System.Text.Json.Serialization;

namespace Speedera.Core.Probes;

/// <summary>
/// Identifies one service on one server: the unit a service probe measures. The GTM engine looks one up for every
/// candidate of every DNS answer, so the hash of the two names is kept with the key: computed by the constructor and
/// again by each init accessor (JSON and <c>with</c> go through those), never per lookup.
/// </summary>
public readonly record struct ServiceKey
{
    private readonly string _serverId;
    private readonly string _serviceId;
    private readonly int _hash;

    [JsonConstructor]
    public ServiceKey(string serverId, string serviceId)
    {
        _serverId = serverId;
        _serviceId = serviceId;
        _hash = HashCode.Combine(serverId, serviceId);
    }

    public string ServerId
    {
        get => _serverId;
        init
        {
            _serverId = value;
            _hash = HashCode.Combine(value, _serviceId);
        }
    }

    public string ServiceId
    {
        get => _serviceId;
        init
        {
            _serviceId = value;
            _hash = HashCode.Combine(_serverId, value);
        }
    }

    public void Deconstruct(out string serverId, out string serviceId)
    {
        serverId = _serverId;
        serviceId = _serviceId;
    }

    public bool Equals(ServiceKey other) =>
        _hash == other._hash && string.Equals(_serverId, other._serverId, StringComparison.Ordinal) && string.Equals(_serviceId, other._serviceId, StringComparison.Ordinal);

    public override int GetHashCode() => _hash;
}

/// <summary>
/// One service-probe result. <see cref="Value"/> is the metric (response time in ms, or load for
/// LOADP); <see cref="Failed"/> results carry <see cref="FailedValue"/> and an error code.
/// </summary>
public sealed record ServiceMetric(
    ServiceKey Key,
    int Value,
    ProbeError Error,
    DateTimeOffset MeasuredAt,
    string ProbeNodeId)
{
    /// <summary>The patent's metric for a failed or timed-out test.</summary>
    public const int FailedValue = 65535;

    public bool Failed => Error != ProbeError.None || Value >= FailedValue;
}

public enum ProbeError
{
    None = 0,
    Timeout = 1,
    ConnectionRefused = 2,
    UnexpectedStatus = 3,
    ContentMismatch = 4,
    ProtocolError = 5,
    TlsError = 6,
    LoadUnavailable = 7,

    /// <summary>The target is not one a probe may contact (loopback, private, our own network ...); nothing was sent.</summary>
    TargetRefused = 8,
    Other = 99,
}

/// <summary>Whether a latency measurement reached the client itself or only a router on the way.</summary>
public enum LatencyQuality
{
    Partial = 1,
    Full = 2,
}

/// <summary>Round trip from a POP to a client group (resolver /24 or ECS subnet).</summary>
public sealed record LatencyMeasurement(
    string PopId,
    string ClientGroup,
    string ProbedAddress,
    TimeSpan RoundTrip,
    LatencyQuality Quality,
    DateTimeOffset MeasuredAt,
    string ProbeNodeId);

/// <summary>
/// What a dns node consumes: service metrics and latency measurements from the probes. The probe
/// role feeds it over the metric exchange; tests feed it directly.
/// </summary>
public interface IMetricSink
{
    void ApplyServiceMetrics(IReadOnlyList<ServiceMetric> metrics);

    void ApplyLatency(IReadOnlyList<LatencyMeasurement> measurements);
}
