using Speedera.Core.Geo;
using Speedera.Core.Gtm;
using Speedera.Core.Probes;

namespace Speedera.Edge.Dns;

/// <summary>
/// The state a dns node keeps beside its configuration, shared with the rest of the edge:
/// <see cref="Metrics"/> is the <see cref="IMetricSink"/> the probes feed, <see cref="Decisions"/> is
/// drained by the uploader, <see cref="ClientGroups"/> is drained for the latency probes, and
/// <see cref="Persistence"/> is exported/imported to sync with the zone's other dns nodes.
/// </summary>
public sealed class DnsNodeState
{
    public DnsNodeState(TimeProvider timeProvider, IRandomSource? random = null, GtmEngineOptions? engineOptions = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeProvider = timeProvider;
        Metrics = new MetricsStore();
        Decisions = new DecisionCounter(timeProvider);
        Persistence = new PersistenceTable();
        ClientGroups = new ClientGroupTracker();
        Geo = new GeoDataHolder();
        Engine = new GtmEngine(Metrics, Persistence, ClientGroups, timeProvider, random ?? SystemRandomSource.Instance, engineOptions, Geo);
    }

    /// <summary>The IP → country data region routing uses; empty until a signed geo file is loaded.</summary>
    public GeoDataHolder Geo { get; }

    public TimeProvider TimeProvider { get; }

    public MetricsStore Metrics { get; }

    public DecisionCounter Decisions { get; }

    public PersistenceTable Persistence { get; }

    public ClientGroupTracker ClientGroups { get; }

    public GtmEngine Engine { get; }
}
