using System.Net;
using System.Security.Cryptography;
using Speedera.Core.Probes;
using Speedera.Edge.Probe;

namespace Speedera.Tests.Unit.Probes;

public class ReplayGuardTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
    private readonly FakeTimeProvider _clock = new(Start);

    [Fact]
    public void A_sequence_is_accepted_once()
    {
        var guard = new ReplayGuard(_clock, TimeSpan.FromSeconds(30));
        Assert.Equal(ExchangeRejection.None, guard.Check("p", 10, Start));
        Assert.Equal(ExchangeRejection.Replayed, guard.Check("p", 10, Start));
    }

    [Fact]
    public void Reordered_messages_inside_the_window_are_accepted_once()
    {
        var guard = new ReplayGuard(_clock, TimeSpan.FromSeconds(30));
        Assert.Equal(ExchangeRejection.None, guard.Check("p", 100, Start));
        Assert.Equal(ExchangeRejection.None, guard.Check("p", 98, Start));
        Assert.Equal(ExchangeRejection.None, guard.Check("p", 99, Start));
        Assert.Equal(ExchangeRejection.Replayed, guard.Check("p", 98, Start));
        Assert.Equal(ExchangeRejection.Replayed, guard.Check("p", 100 - 64, Start));
    }

    [Fact]
    public void Senders_are_tracked_separately()
    {
        var guard = new ReplayGuard(_clock, TimeSpan.FromSeconds(30));
        Assert.Equal(ExchangeRejection.None, guard.Check("a", 5, Start));
        Assert.Equal(ExchangeRejection.None, guard.Check("b", 5, Start));
    }

    [Fact]
    public void Timestamps_outside_the_window_are_rejected_either_way()
    {
        var guard = new ReplayGuard(_clock, TimeSpan.FromSeconds(30));
        Assert.Equal(ExchangeRejection.OutsideTimeWindow, guard.Check("p", 1, Start.AddSeconds(-31)));
        Assert.Equal(ExchangeRejection.OutsideTimeWindow, guard.Check("p", 2, Start.AddSeconds(31)));
        Assert.Equal(ExchangeRejection.None, guard.Check("p", 3, Start.AddSeconds(-29)));
    }

    [Fact]
    public void Receiver_counts_replays_tampering_and_garbage_and_feeds_the_sink_once()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var sink = new RecordingSink();
        var receiver = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), key, sink, null, _clock);
        var codec = new MetricExchangeCodec(key);
        ulong seq = 1;
        var metric = new ServiceMetric(new ServiceKey("s", "http"), 5, ProbeError.None, Start, "p");
        var message = codec.EncodeServiceMetrics("p", () => seq++, Start, [metric])[0];

        Assert.Equal(ExchangeRejection.None, receiver.Handle(message));
        Assert.Equal(ExchangeRejection.Replayed, receiver.Handle(message));
        var tampered = (byte[])message.Clone();
        tampered[^40] ^= 1;
        Assert.Equal(ExchangeRejection.BadMac, receiver.Handle(tampered));
        Assert.Equal(ExchangeRejection.TooShort, receiver.Handle([1, 2, 3]));
        _clock.Advance(TimeSpan.FromMinutes(5));
        var late = codec.EncodeServiceMetrics("p", () => seq++, Start, [metric])[0];
        Assert.Equal(ExchangeRejection.OutsideTimeWindow, receiver.Handle(late));

        Assert.Single(sink.Metrics);
        var counters = receiver.Counters;
        Assert.Equal(1, counters.Accepted);
        Assert.Equal(1, counters.RejectedFor(ExchangeRejection.Replayed));
        Assert.Equal(1, counters.RejectedFor(ExchangeRejection.BadMac));
        Assert.Equal(1, counters.RejectedFor(ExchangeRejection.TooShort));
        Assert.Equal(1, counters.RejectedFor(ExchangeRejection.OutsideTimeWindow));
        Assert.Equal(4, counters.RejectedTotal);
    }

    [Fact]
    public void A_throwing_sink_does_not_break_the_receiver()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var receiver = new MetricExchangeReceiver(new IPEndPoint(IPAddress.Loopback, 0), key, new ThrowingSink(), null, _clock);
        var codec = new MetricExchangeCodec(key);
        ulong seq = 1;
        var metric = new ServiceMetric(new ServiceKey("s", "http"), 5, ProbeError.None, Start, "p");
        Assert.Equal(ExchangeRejection.None, receiver.Handle(codec.EncodeServiceMetrics("p", () => seq++, Start, [metric])[0]));
        Assert.Equal(ExchangeRejection.None, receiver.Handle(codec.EncodeServiceMetrics("p", () => seq++, Start, [metric])[0]));
    }

    internal sealed class RecordingSink : IMetricSink
    {
        private readonly Lock _lock = new();

        public List<ServiceMetric> Metrics { get; } = [];

        public List<LatencyMeasurement> Latency { get; } = [];

        public void ApplyServiceMetrics(IReadOnlyList<ServiceMetric> metrics)
        {
            lock (_lock)
            {
                Metrics.AddRange(metrics);
            }
        }

        public void ApplyLatency(IReadOnlyList<LatencyMeasurement> measurements)
        {
            lock (_lock)
            {
                Latency.AddRange(measurements);
            }
        }

        public ServiceMetric[] SnapshotMetrics()
        {
            lock (_lock)
            {
                return [.. Metrics];
            }
        }

        public LatencyMeasurement[] SnapshotLatency()
        {
            lock (_lock)
            {
                return [.. Latency];
            }
        }
    }

    private sealed class ThrowingSink : IMetricSink
    {
        public void ApplyServiceMetrics(IReadOnlyList<ServiceMetric> metrics) => throw new InvalidOperationException("sink broke");

        public void ApplyLatency(IReadOnlyList<LatencyMeasurement> measurements) => throw new InvalidOperationException("sink broke");
    }
}
