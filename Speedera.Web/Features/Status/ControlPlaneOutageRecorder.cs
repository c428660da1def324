using Microsoft.EntityFrameworkCore;
using Speedera.Core.ControlPlane;
using Speedera.Core.Status;
using Speedera.Web.Data;

namespace Speedera.Web.Features.Status;

/// <summary>
/// Books the periods edge nodes could not reach the control plane (carried by their heartbeats once they can again) as
/// downtime of the portal and the REST API in the 90-day uptime: the control plane cannot observe its own outage, the
/// edge can. Several nodes report the same outage; each second is booked once (the union of the reports).
/// </summary>
public sealed class ControlPlaneOutageRecorder(TimeProvider time)
{
    private static readonly TimeSpan Remember = TimeSpan.FromDays(2);
    private readonly Lock _gate = new();
    private readonly List<(DateTime From, DateTime To)> _booked = [];

    /// <summary>Adds what is new in <paramref name="periods"/> to today's (and earlier days') uptime rows; returns the seconds booked.</summary>
    public async Task<double> RecordAsync(SpeederaDbContext db, IReadOnlyList<UnreachablePeriod> periods, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var pieces = new List<(DateTime From, DateTime To)>();
        lock (_gate)
        {
            _booked.RemoveAll(b => b.To < now - Remember);
            foreach (var p in periods)
            {
                var from = Max(p.From.UtcDateTime, now - Remember);
                var to = Min(p.To.UtcDateTime, now);
                foreach (var piece in Subtract(from, to))
                {
                    pieces.Add(piece);
                    _booked.Add(piece);
                }
            }
        }

        var total = 0.0;
        foreach (var (from, to) in pieces)
        {
            // Split at UTC midnight: uptime rows are per day.
            for (var start = from; start < to; start = start.Date.AddDays(1))
            {
                var end = Min(to, start.Date.AddDays(1));
                var seconds = (end - start).TotalSeconds;
                total += seconds;
                foreach (var component in ControlPlaneOutageView.Components)
                {
                    var day = start.Date;
                    var updated = await db.ComponentUptimes.Where(u => u.ComponentId == component && u.Day == day)
                        .ExecuteUpdateAsync(s => s.SetProperty(u => u.ObservedSeconds, u => u.ObservedSeconds + seconds).SetProperty(u => u.DownSeconds, u => u.DownSeconds + seconds), cancellationToken);
                    if (updated == 0)
                    {
                        db.ComponentUptimes.Add(new ComponentUptimeEntity { ComponentId = component, Day = day, ObservedSeconds = seconds, DownSeconds = seconds });
                        await db.SaveChangesAsync(cancellationToken);
                    }
                }
            }
        }

        return total;
    }

    /// <summary>The parts of [from, to) not booked yet.</summary>
    private List<(DateTime From, DateTime To)> Subtract(DateTime from, DateTime to)
    {
        var result = new List<(DateTime, DateTime)>();
        var cursor = from;
        foreach (var (bFrom, bTo) in _booked.OrderBy(b => b.From))
        {
            if (cursor >= to)
            {
                break;
            }

            if (bTo <= cursor || bFrom >= to)
            {
                continue;
            }

            if (bFrom > cursor)
            {
                result.Add((cursor, bFrom));
            }

            cursor = Max(cursor, bTo);
        }

        if (cursor < to)
        {
            result.Add((cursor, to));
        }

        return result;
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;
}
