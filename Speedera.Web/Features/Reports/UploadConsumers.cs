using System.Text.Json;
using Speedera.Core.Reports;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Reports;

/// <summary>
/// Turns accepted upload records of one kind into rows of the control plane's tables. Runs in the
/// same unit of work as the record's deduplication, so each record counts exactly once.
/// </summary>
public interface IUploadConsumer
{
    string Kind { get; }

    Task ConsumeAsync(string nodeId, JsonElement payload, SpeederaDbContext db, CancellationToken cancellationToken);
}

/// <summary>Keeps the newest service-probe result per (server, service, probe node).</summary>
public sealed class ProbeResultsConsumer(TimeProvider time) : IUploadConsumer
{
    public string Kind => Speedera.Core.ControlPlane.UploadKinds.ProbeResults;

    public async Task ConsumeAsync(string nodeId, JsonElement payload, SpeederaDbContext db, CancellationToken cancellationToken)
    {
        var metrics = payload.Deserialize(EdgeReportJson.Default.ServiceMetricArray) ?? [];
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var m in metrics)
        {
            var measuredAt = m.MeasuredAt.UtcDateTime;
            var state = await db.ServiceStates.FindAsync([m.Key.ServerId, m.Key.ServiceId, m.ProbeNodeId], cancellationToken);
            if (state is null)
            {
                db.ServiceStates.Add(new ServiceStateEntity
                {
                    ServerId = m.Key.ServerId,
                    ServiceId = m.Key.ServiceId,
                    ProbeNodeId = m.ProbeNodeId,
                    Value = m.Value,
                    Error = m.Error,
                    MeasuredAt = measuredAt,
                    ReceivedAt = now,
                });
            }
            else if (measuredAt >= state.MeasuredAt)
            {
                state.Value = m.Value;
                state.Error = m.Error;
                state.MeasuredAt = measuredAt;
                state.ReceivedAt = now;
            }
        }
    }
}

/// <summary>Adds a dns node's per-minute decision counts (with their reasons).</summary>
public sealed class DecisionsConsumer(ITrafficStore store) : IUploadConsumer
{
    public string Kind => Speedera.Core.ControlPlane.UploadKinds.Decisions;

    public Task ConsumeAsync(string nodeId, JsonElement payload, SpeederaDbContext db, CancellationToken cancellationToken) =>
        store.AddDecisionsAsync(db, nodeId, payload.Deserialize(EdgeReportJson.Default.DecisionCountRowArray) ?? [], cancellationToken);
}

/// <summary>Adds a cache node's per-minute usage rollups (the source of traffic graphs and invoices).</summary>
public sealed class UsageConsumer(ITrafficStore store) : IUploadConsumer
{
    public string Kind => Speedera.Core.ControlPlane.UploadKinds.Usage;

    public Task ConsumeAsync(string nodeId, JsonElement payload, SpeederaDbContext db, CancellationToken cancellationToken) =>
        store.AddUsageAsync(db, nodeId, payload.Deserialize(EdgeReportJson.Default.UsageRollupArray) ?? [], cancellationToken);
}

/// <summary>Adds a dns node's per-minute client-group counts (who asked for each GTM hostname).</summary>
public sealed class ClientGroupsConsumer(ITrafficStore store) : IUploadConsumer
{
    public string Kind => Speedera.Core.ControlPlane.UploadKinds.ClientGroups;

    public Task ConsumeAsync(string nodeId, JsonElement payload, SpeederaDbContext db, CancellationToken cancellationToken) =>
        store.AddClientGroupsAsync(db, nodeId, payload.Deserialize(EdgeReportJson.Default.ClientGroupCountRowArray) ?? [], cancellationToken);
}
