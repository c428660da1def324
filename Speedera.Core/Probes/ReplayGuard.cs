namespace Speedera.Core.Probes;

/// <summary>
/// Per-sender replay protection for the metric exchange: a message is accepted once, when its
/// timestamp lies within ±<see cref="TimeWindow"/> of the receiver's clock and its sequence is
/// new (above the highest seen, or inside a 64-message window below it and not yet seen — the
/// IPsec anti-replay scheme, RFC 4303 §3.4.3). Senders start their sequence at their start-up time
/// in microseconds, so a restarted sender continues above its old numbers.
/// Call only with authenticated messages: state is created per sender id.
/// </summary>
public sealed class ReplayGuard(TimeProvider time, TimeSpan timeWindow, int maxSenders = 4096)
{
    private const int WindowSize = 64;

    private readonly Dictionary<string, SenderState> _senders = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public TimeSpan TimeWindow { get; } = timeWindow;

    public ExchangeRejection Check(string sender, ulong sequence, DateTimeOffset sentAt)
    {
        var now = time.GetUtcNow();
        if (sentAt < now - TimeWindow || sentAt > now + TimeWindow)
        {
            return ExchangeRejection.OutsideTimeWindow;
        }

        lock (_lock)
        {
            if (!_senders.TryGetValue(sender, out var state))
            {
                if (_senders.Count >= maxSenders)
                {
                    EvictOldest();
                }

                _senders[sender] = new SenderState { Highest = sequence, Seen = 1, LastAccepted = now };
                return ExchangeRejection.None;
            }

            if (sequence > state.Highest)
            {
                var shift = sequence - state.Highest;
                state.Seen = shift >= WindowSize ? 1UL : (state.Seen << (int)shift) | 1UL;
                state.Highest = sequence;
                state.LastAccepted = now;
                return ExchangeRejection.None;
            }

            var behind = state.Highest - sequence;
            if (behind >= WindowSize)
            {
                return ExchangeRejection.Replayed;
            }

            var bit = 1UL << (int)behind;
            if ((state.Seen & bit) != 0)
            {
                return ExchangeRejection.Replayed;
            }

            state.Seen |= bit;
            state.LastAccepted = now;
            return ExchangeRejection.None;
        }
    }

    private void EvictOldest()
    {
        string? oldest = null;
        var oldestAt = DateTimeOffset.MaxValue;
        foreach (var (id, s) in _senders)
        {
            if (s.LastAccepted < oldestAt)
            {
                oldestAt = s.LastAccepted;
                oldest = id;
            }
        }

        if (oldest is not null)
        {
            _senders.Remove(oldest);
        }
    }

    private sealed class SenderState
    {
        public ulong Highest { get; set; }

        public ulong Seen { get; set; }

        public DateTimeOffset LastAccepted { get; set; }
    }
}
