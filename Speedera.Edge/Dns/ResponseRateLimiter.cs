using System.Collections.Concurrent;
using Speedera.Core.Gtm;

namespace Speedera.Edge.Dns;

internal enum RateLimitVerdict : byte
{
    Send,
    Slip,
    Drop,
}

/// <summary>
/// Response rate limiting for UDP against reflection/amplification: at most N responses per second per
/// client /24 (IPv6 /56), every Slip-th excess response is sent truncated (TC) so genuine clients can
/// retry over TCP, the rest are dropped. A counter window per prefix, updated with interlocked operations.
/// </summary>
internal sealed class ResponseRateLimiter(int responsesPerSecond, int slip, TimeProvider timeProvider, int maxPrefixes = 200_000)
{
    private ConcurrentDictionary<ulong, Window> _windows = new();

    public RateLimitVerdict Check(ClientAddress client)
    {
        if (responsesPerSecond <= 0)
        {
            return RateLimitVerdict.Send;
        }

        ulong key = client.IsV6 ? (ulong)(client.Bits >> 72) | (1UL << 63) : (ulong)(client.Bits >> 8);
        long second = timeProvider.GetTimestamp() / timeProvider.TimestampFrequency;
        var windows = _windows;
        if (!windows.TryGetValue(key, out var window))
        {
            if (windows.Count >= maxPrefixes)
            {
                // A flood of spoofed prefixes: start over rather than grow without bound.
                Interlocked.CompareExchange(ref _windows, new ConcurrentDictionary<ulong, Window>(), windows);
                windows = _windows;
            }

            window = windows.GetOrAdd(key, static (_, s) => new Window { Second = s }, second);
        }

        long start = Volatile.Read(ref window.Second);
        if (start != second && Interlocked.CompareExchange(ref window.Second, second, start) == start)
        {
            Interlocked.Exchange(ref window.Count, 0);
        }

        long count = Interlocked.Increment(ref window.Count);
        if (count <= responsesPerSecond)
        {
            return RateLimitVerdict.Send;
        }

        return slip > 0 && (count - responsesPerSecond) % slip == 0 ? RateLimitVerdict.Slip : RateLimitVerdict.Drop;
    }

    private sealed class Window
    {
        public long Second;
        public long Count;
    }
}
