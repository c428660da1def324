using System.Buffers.Binary;
using System.Security.Cryptography;
using Speedera.Core.Probes;

namespace Speedera.Tests.Unit.Probes;

public class MetricExchangeCodecTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
    private readonly MetricExchangeCodec _codec = new(Key);
    private ulong _seq = 1000;

    private ulong Next() => ++_seq;

    private static ServiceMetric Metric(int i, int value = 42, ProbeError error = ProbeError.None) =>
        new(new ServiceKey($"srv-{i}", "http"), value, error, Now.AddSeconds(-i), "probe-a");

    [Fact]
    public void Service_metrics_round_trip_with_header_fields()
    {
        var metrics = new[] { Metric(1), Metric(2, ServiceMetric.FailedValue, ProbeError.Timeout), Metric(3, 1) };
        var messages = _codec.EncodeServiceMetrics("probe-a", Next, Now, metrics);

        var message = Assert.Single(messages);
        Assert.Equal(ExchangeRejection.None, _codec.TryDecode(message, out var decoded));
        Assert.NotNull(decoded);
        Assert.Equal(ExchangeMessageType.ServiceMetrics, decoded.Type);
        Assert.Equal("probe-a", decoded.SenderNodeId);
        Assert.Equal(1001UL, decoded.Sequence);
        Assert.Equal(Now, decoded.SentAt);
        Assert.Equal(metrics, decoded.ServiceMetrics);
    }

    [Fact]
    public void Header_is_in_network_byte_order()
    {
        var message = _codec.EncodeServiceMetrics("p", Next, Now, [Metric(1)])[0];
        Assert.Equal("SPDX"u8.ToArray(), message[..4]);
        Assert.Equal(1, message[4]);
        Assert.Equal((byte)ExchangeMessageType.ServiceMetrics, message[5]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(6)));
        Assert.Equal(1001UL, BinaryPrimitives.ReadUInt64BigEndian(message.AsSpan(8)));
        Assert.Equal(Now.ToUnixTimeMilliseconds(), BinaryPrimitives.ReadInt64BigEndian(message.AsSpan(16)));
    }

    [Fact]
    public void Latency_measurements_round_trip_with_microsecond_round_trips()
    {
        var measurements = new[]
        {
            new LatencyMeasurement("pop-1", "198.51.100.0/24", "198.51.100.7", TimeSpan.FromMicroseconds(40_123), LatencyQuality.Full, Now, "probe-a"),
            new LatencyMeasurement("pop-1", "2001:db8:1::/48", "2001:db8::1", TimeSpan.FromMilliseconds(80), LatencyQuality.Partial, Now.AddSeconds(-5), "probe-a"),
        };
        var message = Assert.Single(_codec.EncodeLatency("probe-a", Next, Now, measurements));
        Assert.Equal(ExchangeRejection.None, _codec.TryDecode(message, out var decoded));
        Assert.Equal(measurements, decoded!.Latency);
    }

    [Fact]
    public void Client_groups_round_trip()
    {
        var sightings = new[] { new ClientSighting("203.0.113.0/24", "203.0.113.53", 17), new ClientSighting("203.0.113.0/24", "203.0.113.54", 0) };
        var message = Assert.Single(_codec.EncodeClientGroups("dns-1", Next, Now, sightings));
        Assert.Equal(ExchangeRejection.None, _codec.TryDecode(message, out var decoded));
        Assert.Equal(ExchangeMessageType.ClientGroups, decoded!.Type);
        Assert.Equal(sightings, decoded.ClientGroups);
    }

    [Fact]
    public void Large_batches_are_split_into_messages_within_the_limits()
    {
        var metrics = Enumerable.Range(0, 1000).Select(i => Metric(i)).ToList();
        var messages = _codec.EncodeServiceMetrics("probe-a", Next, Now, metrics);

        Assert.True(messages.Count > 1);
        Assert.All(messages, m => Assert.InRange(m.Length, MetricExchangeCodec.MinMessageBytes, MetricExchangeCodec.MaxMessageBytes));
        var decoded = messages.SelectMany(m =>
        {
            Assert.Equal(ExchangeRejection.None, _codec.TryDecode(m, out var d));
            Assert.InRange(d!.ServiceMetrics.Count, 1, MetricExchangeCodec.MaxEntries);
            return d.ServiceMetrics;
        }).ToList();
        Assert.Equal(metrics, decoded);
        Assert.Equal(messages.Count, messages.Select(m => BinaryPrimitives.ReadUInt64BigEndian(m.AsSpan(8))).Distinct().Count());
    }

    [Fact]
    public void Strings_longer_than_the_limit_cannot_be_encoded()
    {
        var metric = new ServiceMetric(new ServiceKey(new string('s', 65), "http"), 1, ProbeError.None, Now, "p");
        Assert.Throws<ArgumentException>(() => _codec.EncodeServiceMetrics("p", Next, Now, [metric]));
        Assert.Throws<ArgumentException>(() => _codec.EncodeServiceMetrics(new string('p', 65), Next, Now, [Metric(1)]));
    }

    [Fact]
    public void A_key_shorter_than_16_bytes_is_refused() =>
        Assert.Throws<ArgumentException>(() => new MetricExchangeCodec(new byte[15]));

    [Fact]
    public void Any_flipped_bit_is_rejected()
    {
        var message = _codec.EncodeServiceMetrics("probe-a", Next, Now, [Metric(1), Metric(2)])[0];
        for (var i = 0; i < message.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var tampered = (byte[])message.Clone();
                tampered[i] ^= (byte)(1 << bit);
                Assert.NotEqual(ExchangeRejection.None, _codec.TryDecode(tampered, out var decoded));
                Assert.Null(decoded);
            }
        }
    }

    [Fact]
    public void A_message_signed_with_another_key_is_rejected_as_bad_mac()
    {
        var other = new MetricExchangeCodec(RandomNumberGenerator.GetBytes(32));
        var message = other.EncodeServiceMetrics("probe-a", Next, Now, [Metric(1)])[0];
        Assert.Equal(ExchangeRejection.BadMac, _codec.TryDecode(message, out _));
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        var message = _codec.EncodeLatency("probe-a", Next, Now, [new LatencyMeasurement("pop", "g", "a", TimeSpan.FromMilliseconds(1), LatencyQuality.Full, Now, "probe-a")])[0];
        for (var length = 0; length < message.Length; length++)
        {
            Assert.NotEqual(ExchangeRejection.None, _codec.TryDecode(message.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void Oversized_input_is_rejected_before_anything_else() =>
        Assert.Equal(ExchangeRejection.Oversized, _codec.TryDecode(new byte[MetricExchangeCodec.MaxMessageBytes + 1], out _));

    [Fact]
    public void Wrong_magic_and_version_are_named()
    {
        var message = _codec.EncodeServiceMetrics("p", Next, Now, [Metric(1)])[0];
        var badMagic = (byte[])message.Clone();
        badMagic[0] = (byte)'X';
        Assert.Equal(ExchangeRejection.BadMagic, _codec.TryDecode(badMagic, out _));
        var badVersion = (byte[])message.Clone();
        badVersion[4] = 2;
        Assert.Equal(ExchangeRejection.UnsupportedVersion, _codec.TryDecode(badVersion, out _));
    }

    [Fact]
    public void Correctly_signed_but_malformed_bodies_are_rejected_as_malformed()
    {
        // An insider with the key still cannot crash the receiver: each body defect is caught.
        var valid = _codec.EncodeServiceMetrics("p", Next, Now, [Metric(1)])[0];
        var unsigned = valid[..^MetricExchangeCodec.MacBytes];

        Assert.Equal(ExchangeRejection.Malformed, _codec.TryDecode(Resign(Patch(unsigned, 5, 9)), out _)); // unknown type
        Assert.Equal(ExchangeRejection.Malformed, _codec.TryDecode(Resign(Patch16(unsigned, 6, 2)), out _)); // count beyond entries
        Assert.Equal(ExchangeRejection.Malformed, _codec.TryDecode(Resign(Patch16(unsigned, 6, 300)), out _)); // count over the limit
        Assert.Equal(ExchangeRejection.Malformed, _codec.TryDecode(Resign([.. unsigned, 0]), out _)); // trailing byte
        Assert.Equal(ExchangeRejection.Malformed, _codec.TryDecode(Resign(Patch(unsigned, 24, 0)), out _)); // empty sender

        var valueAt = 24 + 1 + 1 + 1 + "srv-1".Length + 1 + "http".Length;
        var bigValue = (byte[])unsigned.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(bigValue.AsSpan(valueAt), 70000);
        Assert.Equal(ExchangeRejection.Malformed, _codec.TryDecode(Resign(bigValue), out _));

        var badUtf8 = (byte[])unsigned.Clone();
        badUtf8[25] = 0xFF;
        Assert.Equal(ExchangeRejection.Malformed, _codec.TryDecode(Resign(badUtf8), out _));
    }

    [Fact]
    public void Random_input_never_throws_and_is_never_accepted()
    {
        var random = new Random(5);
        for (var i = 0; i < 20_000; i++)
        {
            var data = new byte[random.Next(0, 1500)];
            random.NextBytes(data);
            if (i % 3 == 0 && data.Length > 8)
            {
                "SPDX"u8.CopyTo(data);
                data[4] = 1;
            }

            Assert.NotEqual(ExchangeRejection.None, _codec.TryDecode(data, out var decoded));
            Assert.Null(decoded);
        }
    }

    [Fact]
    public void Signed_random_bodies_never_throw()
    {
        // Fuzz the parser behind the MAC: random bodies with a valid header and signature.
        var random = new Random(7);
        var accepted = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var body = new byte[random.Next(0, 200)];
            random.NextBytes(body);
            var header = _codec.EncodeServiceMetrics("p", Next, Now, [])[0][..^MetricExchangeCodec.MacBytes];
            header[5] = (byte)random.Next(0, 5);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)random.Next(0, 4));
            var result = _codec.TryDecode(Resign([.. header, .. body]), out var decoded);
            Assert.True(result is ExchangeRejection.None or ExchangeRejection.Malformed or ExchangeRejection.Oversized, result.ToString());
            Assert.Equal(result == ExchangeRejection.None, decoded is not null);
            accepted += result == ExchangeRejection.None ? 1 : 0;
        }

        Assert.True(accepted < 20_000);
    }

    private static byte[] Patch(byte[] data, int index, byte value)
    {
        var copy = (byte[])data.Clone();
        copy[index] = value;
        return copy;
    }

    private static byte[] Patch16(byte[] data, int index, ushort value)
    {
        var copy = (byte[])data.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(index), value);
        return copy;
    }

    private static byte[] Resign(byte[] unsigned) => [.. unsigned, .. HMACSHA256.HashData(Key, unsigned)];
}
