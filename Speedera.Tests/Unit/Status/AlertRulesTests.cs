using Speedera.Core.Configuration;
using Speedera.Web.Features.Incidents;
using Speedera.Web.Features.Status;

namespace Speedera.Tests.Unit.Status;

public sealed class AlertRulesTests
{
    private static readonly DateTime Now = new(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);
    private static readonly AlertOptions Options = new();

    private static NocSnapshot Snapshot(params NodeView[] nodes) => new(Now, 3, Now.AddMinutes(-10),
        [new PopView("sjc", "San Jose", "San Jose", "US", 37, -121, "north-america")], nodes, [], new Dictionary<string, DateTime>(), [], []);

    [Fact]
    public void Silence_counts_from_when_the_control_plane_began_observing_not_from_before_its_restart()
    {
        var node = new NodeView("a", "sjc", NodeRoles.Cache, Now.AddMinutes(-5), 3, null, null, 0);
        Assert.Contains(AlertRules.Evaluate(Snapshot(node), Options), a => a.Key == "heartbeat-missing:a");
        Assert.Empty(AlertRules.Evaluate(Snapshot(node), Options, observingSince: Now.AddSeconds(-5)));
    }

    [Fact]
    public void Missing_cache_node_puts_its_region_down_and_its_return_puts_it_back()
    {
        var down = new NodeView("a", "sjc", NodeRoles.Cache, Now.AddMinutes(-1), 3, null, null, 0);
        var status = StatusComponents.Compute(Snapshot(down), Options, [], []);
        Assert.Equal(ComponentState.MajorOutage, status.Single(c => c.Id == "cdn-north-america").State);
        var up = down with { LastHeartbeatAt = Now.AddSeconds(-2) };
        Assert.Equal(ComponentState.Operational, StatusComponents.Compute(Snapshot(up), Options, [], []).Single(c => c.Id == "cdn-north-america").State);
        Assert.Equal(ComponentState.UnderMaintenance, StatusComponents.Compute(Snapshot(up), Options, [], ["cdn-north-america"]).Single(c => c.Id == "cdn-north-america").State);
    }

    [Fact]
    public void Dns_error_share_alerts_only_above_the_limit_and_with_enough_queries()
    {
        NodeView Dns(double share, long queries) => new("d", "sjc", NodeRoles.Dns, Now, 3, 10, share, queries);
        Assert.Contains(AlertRules.Evaluate(Snapshot(Dns(0.5, 100)), Options), a => a.Rule == AlertRules.DnsErrors);
        Assert.DoesNotContain(AlertRules.Evaluate(Snapshot(Dns(0.01, 100)), Options), a => a.Rule == AlertRules.DnsErrors);
        Assert.DoesNotContain(AlertRules.Evaluate(Snapshot(Dns(0.5, 3)), Options), a => a.Rule == AlertRules.DnsErrors);
    }
}
