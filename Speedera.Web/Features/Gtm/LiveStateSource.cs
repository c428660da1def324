using Microsoft.EntityFrameworkCore;
using Speedera.Core.Probes;
using Speedera.Web.Data;
using Speedera.Web.Features.Configuration;

namespace Speedera.Web.Features.Gtm;

/// <summary>Live state from what the probes and dns nodes reported to the control plane.</summary>
public sealed class LiveStateSource(SpeederaDbContext db, TimeProvider time) : ILiveStateSource
{
    /// <summary>Decisions this recent count as "handed out by".</summary>
    public static readonly TimeSpan DecisionWindow = TimeSpan.FromMinutes(10);

    public async Task<IReadOnlyList<AddressLiveState>> ForHostnameAsync(HostnameEntity hostname, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var serverIds = hostname.Addresses.Select(a => NetworkConfigurationGenerator.CustomerServerId(a.Address)).ToList();
        var states = await db.ServiceStates.AsNoTracking()
            .Where(s => serverIds.Contains(s.ServerId) && s.ServiceId == hostname.Name)
            .ToListAsync(cancellationToken);
        var since = now - DecisionWindow;
        var names = new[] { hostname.Name, hostname.Alias ?? hostname.Name };
        var decisions = await db.DecisionCounts.AsNoTracking()
            .Where(d => names.Contains(d.Hostname) && d.Minute >= since)
            .Select(d => new { d.Address, d.NodeId })
            .Distinct()
            .ToListAsync(cancellationToken);
        var nodePops = await db.EdgeNodes.AsNoTracking().Include(n => n.Pop).ToDictionaryAsync(n => n.Id, n => n.Pop!.Name, cancellationToken);
        var staleAfter = NetworkConfigurationGenerator.DefaultProbes.MetricStaleAfter;

        return hostname.Addresses
            .OrderBy(a => a.HiddenFailover).ThenBy(a => a.Address, StringComparer.Ordinal)
            .Select(a =>
            {
                var latest = states.Where(s => s.ServerId == NetworkConfigurationGenerator.CustomerServerId(a.Address))
                    .OrderByDescending(s => s.MeasuredAt).FirstOrDefault();
                var pops = decisions.Where(d => d.Address == a.Address)
                    .Select(d => nodePops.GetValueOrDefault(d.NodeId, d.NodeId)).Distinct().Order().ToList();
                if (latest is null)
                {
                    return new AddressLiveState(a.Address, a.Description, a.HiddenFailover, LiveState.Unknown, null, null, "No probe result yet.", pops);
                }

                var failed = latest.Error != ProbeError.None || latest.Value >= ServiceMetric.FailedValue;
                var state = now - latest.MeasuredAt > staleAfter ? LiveState.Stale : failed ? LiveState.Down : LiveState.Up;
                return new AddressLiveState(
                    a.Address,
                    a.Description,
                    a.HiddenFailover,
                    state,
                    failed ? null : latest.Value,
                    latest.MeasuredAt,
                    failed ? $"{latest.Error}" : null,
                    pops);
            })
            .ToList();
    }
}
