namespace Speedera.Core.PageCheck;

/// <summary>
/// Timestamps the agent takes around one request (in <see cref="TimeProvider"/> ticks of one clock). Connection marks are
/// null when the request went out on a connection that was already open.
/// </summary>
public readonly record struct RequestMarks(
    long Queued,
    long Acquired,
    long? DnsStart,
    long? DnsEnd,
    long? ConnectEnd,
    long? TlsStart,
    long? TlsEnd,
    long SendStart,
    long SendEnd,
    long FirstByte,
    long End);

/// <summary>Turns a request's timestamps into HAR phases that add up to its whole duration.</summary>
public static class PageTimings
{
    /// <summary>
    /// Phases in milliseconds. Each phase is the distance between consecutive marks, so they sum to
    /// <c>End - Queued</c> exactly (up to floating-point rounding); marks out of order are clamped forward.
    /// </summary>
    public static PhaseTimings Phases(RequestMarks m, long ticksPerSecond)
    {
        var scale = 1000.0 / ticksPerSecond;
        double Ms(long from, long to) => to > from ? (to - from) * scale : 0;

        var cursor = m.Queued;
        long Next(long? mark)
        {
            var at = Math.Max(cursor, mark ?? cursor);
            var from = cursor;
            cursor = at;
            return from;
        }

        var connectionStart = m.DnsStart ?? m.Acquired;
        var blockedFrom = Next(m.DnsStart is null && m.ConnectEnd is null ? m.SendStart : connectionStart);
        var blocked = Ms(blockedFrom, cursor);

        double dns = -1, connect = -1, ssl = -1;
        if (m.ConnectEnd is not null)
        {
            var dnsFrom = Next(m.DnsEnd ?? cursor);
            dns = m.DnsStart is null ? -1 : Ms(dnsFrom, cursor);
            var connectFrom = Next(m.ConnectEnd);
            var tcp = Ms(connectFrom, cursor);
            if (m.TlsEnd is not null)
            {
                var tlsFrom = Next(m.TlsEnd);
                ssl = Ms(tlsFrom, cursor);
            }

            // HAR 1.2: connect includes ssl.
            connect = tcp + Math.Max(ssl, 0);
        }

        // Anything between the connection being ready and the first byte written counts as blocked, not lost.
        var idleFrom = Next(m.SendStart);
        blocked += Ms(idleFrom, cursor);
        var sendFrom = Next(m.SendEnd);
        var send = Ms(sendFrom, cursor);
        var waitFrom = Next(m.FirstByte);
        var wait = Ms(waitFrom, cursor);
        var receiveFrom = Next(m.End);
        var receive = Ms(receiveFrom, cursor);
        return new PhaseTimings(blocked, dns, connect, ssl, send, wait, receive);
    }
}
