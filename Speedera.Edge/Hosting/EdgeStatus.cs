using Speedera.Core.ControlPlane;
using Speedera.Edge.ControlPlane;

namespace Speedera.Edge.Hosting;

/// <summary>This node's state as heartbeats and the status endpoint report it.</summary>
public sealed class EdgeStatus(
    EdgeOptions options,
    ConfigurationHolder holder,
    EdgeRoleHost roles,
    SpoolingEdgeUploader uploader,
    TimeProvider time)
{
    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public HeartbeatReport CreateHeartbeat(DateTimeOffset now)
    {
        var current = holder.Current;
        return new HeartbeatReport(
            options.NodeId,
            options.Roles,
            current?.Version,
            current?.Hash,
            current?.Source.ToString(),
            current?.AppliedAt,
            StartedAt,
            now,
            HealthReports(),
            holder.LastRefusal?.Reason,
            uploader.PendingCount,
            Counters());
    }

    private Dictionary<string, long>? Counters()
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var role in roles.Roles.OfType<IEdgeRoleCounters>())
        {
            role.AddCounters(counters);
        }

        return counters.Count == 0 ? null : counters;
    }

    public EdgeStatusReport CreateStatus()
    {
        var current = holder.Current;
        var refusal = holder.LastRefusal;
        return new EdgeStatusReport(
            options.NodeId,
            current?.Version,
            current?.Hash,
            current?.Source.ToString(),
            current?.AppliedAt,
            refusal?.Reason,
            refusal?.Version,
            uploader.PendingCount,
            uploader.LastSequence,
            HealthReports());
    }

    private RoleHealthReport[] HealthReports() =>
        [.. roles.Health().Select(kv => new RoleHealthReport(kv.Key, kv.Value.Status.ToString(), kv.Value.Detail))];
}
