using Speedera.Core.ControlPlane;

namespace Speedera.Edge.ControlPlane;

/// <summary>
/// Whether this node reaches the control plane, from the outcome of its own calls (heartbeats, status-site polls): the
/// control plane cannot measure its own outage, so the edge does. Periods of silence longer than
/// <see cref="MinimumPeriod"/> are kept until a heartbeat has carried them home (they feed the portal's and the API's
/// uptime on the status page).
/// </summary>
public sealed class ControlPlaneReachability(TimeProvider time)
{
    /// <summary>Shorter silences (a reconnect, a restart of a few seconds) are not outages.</summary>
    public static readonly TimeSpan MinimumPeriod = TimeSpan.FromSeconds(5);

    private const int MaxKept = 100;
    private readonly Lock _gate = new();
    private readonly List<UnreachablePeriod> _unreported = [];
    private DateTimeOffset? _since;

    /// <summary>Since when the control plane has not answered; null while it answers.</summary>
    public DateTimeOffset? UnreachableSince
    {
        get
        {
            lock (_gate)
            {
                return _since;
            }
        }
    }

    public void Failed()
    {
        lock (_gate)
        {
            _since ??= time.GetUtcNow();
        }
    }

    public void Succeeded()
    {
        lock (_gate)
        {
            if (_since is { } since && time.GetUtcNow() - since >= MinimumPeriod)
            {
                if (_unreported.Count == MaxKept)
                {
                    _unreported.RemoveAt(0);
                }

                _unreported.Add(new UnreachablePeriod(since, time.GetUtcNow()));
            }

            _since = null;
        }
    }

    /// <summary>Ended periods not yet carried by a heartbeat that the control plane accepted.</summary>
    public IReadOnlyList<UnreachablePeriod> Unreported()
    {
        lock (_gate)
        {
            return [.. _unreported];
        }
    }

    public void Reported(IReadOnlyList<UnreachablePeriod> periods)
    {
        lock (_gate)
        {
            _unreported.RemoveAll(periods.Contains);
        }
    }
}
