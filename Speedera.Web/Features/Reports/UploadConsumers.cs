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

/// <summary>Adds a dns node's per-minute decision counts.</summary>
public sealed class DecisionsConsumer : IUploadConsumer
{
    public string Kind => Speedera.Core.ControlPlane.UploadKinds.Decisions;

    public async Task ConsumeAsync(string nodeId, JsonElement payload, SpeederaDbContext db, CancellationToken cancellationToken)
    {
        var rows = payload.Deserialize(EdgeReportJson.Default.DecisionCountRowArray) ?? [];
        foreach (var row in rows)
        {
            var minute = row.Minute.UtcDateTime;
            var existing = await db.DecisionCounts.FindAsync([minute, nodeId, row.Hostname, row.Address, row.PopId], cancellationToken);
            if (existing is null)
            {
                db.DecisionCounts.Add(new DecisionCountEntity
                {
                    Minute = minute,
                    NodeId = nodeId,
                    Hostname = row.Hostname,
                    Address = row.Address,
                    PopId = row.PopId,
                    Count = row.Count,
                });
            }
            else
            {
                existing.Count += row.Count;
            }
        }
    }
}

/// <summary>Adds a cache node's per-minute usage rollups (the source of traffic graphs and invoices).</summary>
public sealed class UsageConsumer : IUploadConsumer
{
    public string Kind => Speedera.Core.ControlPlane.UploadKinds.Usage;

    public async Task ConsumeAsync(string nodeId, JsonElement payload, SpeederaDbContext db, CancellationToken cancellationToken)
    {
        var rows = payload.Deserialize(EdgeReportJson.Default.UsageRollupArray) ?? [];
        foreach (var row in rows)
        {
            var minute = row.Minute.UtcDateTime;
            var usage = await db.UsageRollups.FindAsync([minute, row.Hostname, row.PopId, nodeId], cancellationToken);
            if (usage is null)
            {
                usage = new Content.UsageRollupEntity { Minute = minute, Hostname = row.Hostname, PopId = row.PopId, NodeId = nodeId };
                db.UsageRollups.Add(usage);
            }

            usage.Requests += row.Requests;
            usage.BytesToClients += row.BytesToClients;
            usage.BytesFromOrigin += row.BytesFromOrigin;
            usage.Status2xx += row.Status2xx;
            usage.Status3xx += row.Status3xx;
            usage.Status4xx += row.Status4xx;
            usage.Status5xx += row.Status5xx;
            usage.Hits += row.Hits;
            usage.Misses += row.Misses;
        }
    }
}
