using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Speedera.Core.Probes;

/// <summary>
/// Binary codec of the metric exchange, version 1. All integers big-endian (network byte order).
/// Layout (MetricExchange.md in Speedera.Edge/Probe has the full table):
/// <code>
/// magic "SPDX" | version u8 | type u8 | count u16 | sequence u64 | timestamp i64 (unix ms)
/// | senderLen u8 | sender | entries... | HMAC-SHA256(key, everything before) [32]
/// </code>
/// Decoding checks size, magic, version and the MAC before reading any body field, and every
/// read is bounds-checked, so hostile input can only be rejected.
/// </summary>
public sealed class MetricExchangeCodec
{
    public const uint Magic = 0x53504458; // "SPDX"
    public const byte Version = 1;

    /// <summary>Fits one 1500-byte Ethernet MTU with IPv6 + UDP headers, so no IP fragmentation.</summary>
    public const int MaxMessageBytes = 1400;

    public const int MaxEntries = 256;
    public const int MaxStringBytes = 64;
    public const int MacBytes = 32;
    public const int MinKeyBytes = 16;

    /// <summary>Fixed header bytes before the sender id.</summary>
    private const int FixedHeaderBytes = 4 + 1 + 1 + 2 + 8 + 8 + 1;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _key;

    public MetricExchangeCodec(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinKeyBytes)
        {
            throw new ArgumentException($"The exchange key must be at least {MinKeyBytes} bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>Smallest possible message: header with a 1-byte sender and no entries, plus MAC.</summary>
    public static int MinMessageBytes => FixedHeaderBytes + 1 + MacBytes;

    /// <summary>Encoded size of the header for this sender (everything before the first entry).</summary>
    public static int HeaderBytes(string senderNodeId) => FixedHeaderBytes + Utf8Length(senderNodeId);

    public static int EntryBytes(ServiceMetric m) => 1 + Utf8Length(m.Key.ServerId) + 1 + Utf8Length(m.Key.ServiceId) + 4 + 2 + 8;

    public static int EntryBytes(LatencyMeasurement m) => 1 + Utf8Length(m.PopId) + 1 + Utf8Length(m.ClientGroup) + 1 + Utf8Length(m.ProbedAddress) + 4 + 1 + 8;

    public static int EntryBytes(ClientSighting s) => 1 + Utf8Length(s.ClientGroup) + 1 + Utf8Length(s.ClientAddress) + 4;

    /// <summary>Splits service metrics into as many messages as needed, each within the size limits.</summary>
    public IReadOnlyList<byte[]> EncodeServiceMetrics(string sender, Func<ulong> nextSequence, DateTimeOffset now, IReadOnlyList<ServiceMetric> metrics) =>
        EncodeChunked(ExchangeMessageType.ServiceMetrics, sender, nextSequence, now, metrics, EntryBytes, WriteEntry);

    public IReadOnlyList<byte[]> EncodeLatency(string sender, Func<ulong> nextSequence, DateTimeOffset now, IReadOnlyList<LatencyMeasurement> measurements) =>
        EncodeChunked(ExchangeMessageType.Latency, sender, nextSequence, now, measurements, EntryBytes, WriteEntry);

    public IReadOnlyList<byte[]> EncodeClientGroups(string sender, Func<ulong> nextSequence, DateTimeOffset now, IReadOnlyList<ClientSighting> sightings) =>
        EncodeChunked(ExchangeMessageType.ClientGroups, sender, nextSequence, now, sightings, EntryBytes, WriteEntry);

    /// <summary>
    /// Decodes and authenticates one message. Replay is not checked here (that needs per-sender
    /// state: see <see cref="ReplayGuard"/>).
    /// </summary>
    public ExchangeRejection TryDecode(ReadOnlySpan<byte> data, out ExchangeMessage? message)
    {
        message = null;
        if (data.Length > MaxMessageBytes)
        {
            return ExchangeRejection.Oversized;
        }

        if (data.Length < MinMessageBytes)
        {
            return ExchangeRejection.TooShort;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(data) != Magic)
        {
            return ExchangeRejection.BadMagic;
        }

        if (data[4] != Version)
        {
            return ExchangeRejection.UnsupportedVersion;
        }

        var signed = data[..^MacBytes];
        Span<byte> mac = stackalloc byte[MacBytes];
        HMACSHA256.HashData(_key, signed, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, data[^MacBytes..]))
        {
            return ExchangeRejection.BadMac;
        }

        try
        {
            message = Parse(signed);
            return message is null ? ExchangeRejection.Malformed : ExchangeRejection.None;
        }
        catch (DecoderFallbackException)
        {
            return ExchangeRejection.Malformed;
        }
    }

    private static ExchangeMessage? Parse(ReadOnlySpan<byte> signed)
    {
        var r = new Reader(signed[5..]);
        if (!r.TryByte(out var typeByte) || !Enum.IsDefined((ExchangeMessageType)typeByte)
            || !r.TryUInt16(out var count) || count > MaxEntries
            || !r.TryUInt64(out var sequence) || !r.TryInt64(out var timestampMs)
            || !r.TryString(out var sender) || sender.Length == 0
            || !TryTime(timestampMs, out var sentAt))
        {
            return null;
        }

        var type = (ExchangeMessageType)typeByte;
        var metrics = new List<ServiceMetric>();
        var latency = new List<LatencyMeasurement>();
        var groups = new List<ClientSighting>();
        for (var i = 0; i < count; i++)
        {
            switch (type)
            {
                case ExchangeMessageType.ServiceMetrics:
                    if (!r.TryString(out var server) || !r.TryString(out var service) || !r.TryUInt32(out var value)
                        || !r.TryUInt16(out var error) || !r.TryInt64(out var measuredMs) || !TryTime(measuredMs, out var measuredAt)
                        || server.Length == 0 || service.Length == 0 || value > ServiceMetric.FailedValue)
                    {
                        return null;
                    }

                    metrics.Add(new ServiceMetric(new ServiceKey(server, service), (int)value, (ProbeError)error, measuredAt, sender));
                    break;
                case ExchangeMessageType.Latency:
                    if (!r.TryString(out var pop) || !r.TryString(out var group) || !r.TryString(out var address)
                        || !r.TryUInt32(out var rttMicros) || !r.TryByte(out var quality) || !r.TryInt64(out var latMs)
                        || !TryTime(latMs, out var latAt) || pop.Length == 0 || group.Length == 0
                        || (quality != (byte)LatencyQuality.Full && quality != (byte)LatencyQuality.Partial))
                    {
                        return null;
                    }

                    latency.Add(new LatencyMeasurement(pop, group, address, TimeSpan.FromMicroseconds(rttMicros), (LatencyQuality)quality, latAt, sender));
                    break;
                case ExchangeMessageType.ClientGroups:
                    if (!r.TryString(out var cg) || !r.TryString(out var client) || !r.TryUInt32(out var uses)
                        || cg.Length == 0 || client.Length == 0 || uses > int.MaxValue)
                    {
                        return null;
                    }

                    groups.Add(new ClientSighting(cg, client, (int)uses));
                    break;
            }
        }

        if (!r.AtEnd)
        {
            return null;
        }

        return new ExchangeMessage(type, sender, sequence, sentAt, metrics, latency, groups);
    }

    private List<byte[]> EncodeChunked<T>(
        ExchangeMessageType type,
        string sender,
        Func<ulong> nextSequence,
        DateTimeOffset now,
        IReadOnlyList<T> items,
        Func<T, int> size,
        Action<Writer, T> write)
    {
        CheckString(sender, nameof(sender), allowEmpty: false);
        var header = HeaderBytes(sender);
        var messages = new List<byte[]>();
        var start = 0;
        while (start < items.Count || (start == 0 && items.Count == 0))
        {
            var bytes = header + MacBytes;
            var end = start;
            while (end < items.Count && end - start < MaxEntries)
            {
                var entry = size(items[end]);
                if (bytes + entry > MaxMessageBytes)
                {
                    break;
                }

                bytes += entry;
                end++;
            }

            if (end == start && items.Count > 0)
            {
                throw new ArgumentException("An entry does not fit in one message (a string is longer than allowed).", nameof(items));
            }

            var buffer = new byte[bytes];
            var w = new Writer(buffer);
            w.UInt32(Magic);
            w.Byte(Version);
            w.Byte((byte)type);
            w.UInt16((ushort)(end - start));
            w.UInt64(nextSequence());
            w.Int64(now.ToUnixTimeMilliseconds());
            w.String(sender);
            for (var i = start; i < end; i++)
            {
                write(w, items[i]);
            }

            HMACSHA256.HashData(_key, buffer.AsSpan(0, bytes - MacBytes), buffer.AsSpan(bytes - MacBytes));
            messages.Add(buffer);
            if (items.Count == 0)
            {
                break;
            }

            start = end;
        }

        return messages;
    }

    private static void WriteEntry(Writer w, ServiceMetric m)
    {
        w.String(m.Key.ServerId);
        w.String(m.Key.ServiceId);
        w.UInt32((uint)Math.Clamp(m.Value, 0, ServiceMetric.FailedValue));
        w.UInt16((ushort)m.Error);
        w.Int64(m.MeasuredAt.ToUnixTimeMilliseconds());
    }

    private static void WriteEntry(Writer w, LatencyMeasurement m)
    {
        w.String(m.PopId);
        w.String(m.ClientGroup);
        w.String(m.ProbedAddress);
        w.UInt32((uint)Math.Clamp(m.RoundTrip.Ticks / TimeSpan.TicksPerMicrosecond, 0, uint.MaxValue));
        w.Byte((byte)m.Quality);
        w.Int64(m.MeasuredAt.ToUnixTimeMilliseconds());
    }

    private static void WriteEntry(Writer w, ClientSighting s)
    {
        w.String(s.ClientGroup);
        w.String(s.ClientAddress);
        w.UInt32((uint)Math.Max(0, s.Uses));
    }

    private static int Utf8Length(string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        return n > MaxStringBytes ? MaxMessageBytes : n;
    }

    private static void CheckString(string s, string name, bool allowEmpty)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        if (n > MaxStringBytes || (!allowEmpty && n == 0))
        {
            throw new ArgumentException($"{name} must be 1..{MaxStringBytes} UTF-8 bytes.", name);
        }
    }

    private static bool TryTime(long unixMs, out DateTimeOffset time)
    {
        time = default;
        if (unixMs < 0 || unixMs > 253402300799999L)
        {
            return false;
        }

        time = DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
        return true;
    }

    private sealed class Writer(byte[] buffer)
    {
        private int _pos;

        public void Byte(byte v) => buffer[_pos++] = v;

        public void UInt16(ushort v)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(_pos), v);
            _pos += 2;
        }

        public void UInt32(uint v)
        {
            BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(_pos), v);
            _pos += 4;
        }

        public void UInt64(ulong v)
        {
            BinaryPrimitives.WriteUInt64BigEndian(buffer.AsSpan(_pos), v);
            _pos += 8;
        }

        public void Int64(long v)
        {
            BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(_pos), v);
            _pos += 8;
        }

        public void String(string s)
        {
            var n = Encoding.UTF8.GetBytes(s, buffer.AsSpan(_pos + 1));
            buffer[_pos] = (byte)n;
            _pos += 1 + n;
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public readonly bool AtEnd => _pos == _data.Length;

        public bool TryByte(out byte v)
        {
            v = 0;
            if (_data.Length - _pos < 1)
            {
                return false;
            }

            v = _data[_pos++];
            return true;
        }

        public bool TryUInt16(out ushort v)
        {
            v = 0;
            if (_data.Length - _pos < 2)
            {
                return false;
            }

            v = BinaryPrimitives.ReadUInt16BigEndian(_data[_pos..]);
            _pos += 2;
            return true;
        }

        public bool TryUInt32(out uint v)
        {
            v = 0;
            if (_data.Length - _pos < 4)
            {
                return false;
            }

            v = BinaryPrimitives.ReadUInt32BigEndian(_data[_pos..]);
            _pos += 4;
            return true;
        }

        public bool TryUInt64(out ulong v)
        {
            v = 0;
            if (_data.Length - _pos < 8)
            {
                return false;
            }

            v = BinaryPrimitives.ReadUInt64BigEndian(_data[_pos..]);
            _pos += 8;
            return true;
        }

        public bool TryInt64(out long v)
        {
            v = 0;
            if (_data.Length - _pos < 8)
            {
                return false;
            }

            v = BinaryPrimitives.ReadInt64BigEndian(_data[_pos..]);
            _pos += 8;
            return true;
        }

        public bool TryString(out string s)
        {
            s = string.Empty;
            if (!TryByte(out var n) || n > MaxStringBytes || _data.Length - _pos < n)
            {
                return false;
            }

            s = StrictUtf8.GetString(_data.Slice(_pos, n));
            _pos += n;
            return true;
        }
    }
}
