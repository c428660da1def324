using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Speedera.Core.PageCheck;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// One HTTP/2 connection of the agent (RFC 9113), negotiated by ALPN: all of an origin's requests share it as streams,
/// as a browser does. Our own minimal client so each stream's send, first byte and last byte are timed where they
/// happen. Flow-control windows are opened wide once; the check's byte budget bounds what can arrive.
/// </summary>
internal sealed class Http2Connection : IDisposable
{
    private const int FrameHeader = 9;
    private const int MaxFrameSize = 16384;
    private const int WindowMax = int.MaxValue;
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeLock = new(1);
    private readonly SemaphoreSlim _streamSlots = new(100);
    private readonly ConcurrentDictionary<int, StreamState> _streams = new();
    private readonly Hpack.Decoder _decoder = new();
    private readonly CancellationTokenSource _closing = new();
    private int _nextStreamId = 1;
    private bool _settingsSeen;
    private volatile bool _usable = true;
    private Task? _reader;

    public Http2Connection(Socket socket, Stream stream, IPEndPoint remote, int id, TimeProvider time)
    {
        _socket = socket;
        _stream = stream;
        Remote = remote;
        Id = id;
        _time = time;
    }

    public int Id { get; }

    public IPEndPoint Remote { get; }

    public TlsDetails? Tls { get; init; }

    /// <summary>False after GOAWAY, a connection error or the end of the stream.</summary>
    public bool Usable => _usable;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(settings, 0x2); // SETTINGS_ENABLE_PUSH = 0
        BinaryPrimitives.WriteUInt32BigEndian(settings.AsSpan(2), 0);
        BinaryPrimitives.WriteUInt16BigEndian(settings.AsSpan(6), 0x4); // SETTINGS_INITIAL_WINDOW_SIZE
        BinaryPrimitives.WriteUInt32BigEndian(settings.AsSpan(8), WindowMax);
        var update = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(update, WindowMax - 65535);
        var start = new List<byte>(Preface);
        start.AddRange(Frame(0x4, 0, 0, settings));
        start.AddRange(Frame(0x8, 0, 0, update));
        await _stream.WriteAsync(start.ToArray(), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _reader = Task.Run(ReadLoopAsync, CancellationToken.None);
    }

    public async Task<RawResponse> SendAsync(FetchRequest request, CancellationToken cancellationToken)
    {
        await _streamSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        StreamState? state = null;
        try
        {
            var url = request.Url;
            var requestHeaders = new List<HeaderPair>
            {
                new(":method", "GET"),
                new(":authority", request.Target.HostHeader),
                new(":scheme", url.Scheme),
                new(":path", url.PathAndQuery),
            };

            // Connection-specific fields are not allowed in HTTP/2 (RFC 9113 §8.2.2).
            requestHeaders.AddRange(request.ExtraHeaders.Where(h => !h.Name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                && !h.Name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) && !h.Name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                .Select(h => new HeaderPair(h.Name.ToLowerInvariant(), h.Value)));
            var block = Hpack.Encode(requestHeaders);
            long sendStart, sendEnd;
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_usable)
                {
                    throw new IOException("The HTTP/2 connection is closing.");
                }

                var id = _nextStreamId;
                _nextStreamId += 2;
                state = new StreamState(id, request.Budget);
                _streams[id] = state;
                sendStart = _time.GetTimestamp();
                await _stream.WriteAsync(HeadersFrames(id, block), cancellationToken).ConfigureAwait(false);
                await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                sendEnd = _time.GetTimestamp();
            }
            finally
            {
                _writeLock.Release();
            }

            using (cancellationToken.Register(() => state.Done.TrySetCanceled(cancellationToken)))
            {
                try
                {
                    await state.Done.Task.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _ = ResetAsync(state.Id);
                    throw;
                }
            }

            var headers = state.Headers.Where(h => !h.Name.StartsWith(':')).ToList();
            return new RawResponse(state.Status, "", "HTTP/2.0", headers, state.HeaderBytes, state.Body.ToArray(), block.Length + FrameHeader,
                requestHeaders, sendStart, sendEnd, state.FirstByte, state.End);
        }
        finally
        {
            if (state is not null)
            {
                _streams.TryRemove(state.Id, out _);
            }

            _streamSlots.Release();
        }
    }

    private static byte[] HeadersFrames(int streamId, byte[] block)
    {
        var frames = new List<byte>(block.Length + FrameHeader * 2);
        var offset = 0;
        var first = true;
        do
        {
            var size = Math.Min(MaxFrameSize, block.Length - offset);
            var last = offset + size == block.Length;
            byte flags = (byte)((first ? 0x1 : 0) | (last ? 0x4 : 0)); // END_STREAM on HEADERS, END_HEADERS on the last
            frames.AddRange(Frame(first ? (byte)0x1 : (byte)0x9, flags, streamId, block.AsSpan(offset, size)));
            offset += size;
            first = false;
        }
        while (offset < block.Length);
        return [.. frames];
    }

    private static byte[] Frame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[FrameHeader + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId & int.MaxValue);
        payload.CopyTo(frame.AsSpan(FrameHeader));
        return frame;
    }

    private async Task WriteFrameAsync(byte type, byte flags, int streamId, byte[] payload)
    {
        await _writeLock.WaitAsync(_closing.Token).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(Frame(type, flags, streamId, payload), _closing.Token).ConfigureAwait(false);
            await _stream.FlushAsync(_closing.Token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ResetAsync(int streamId)
    {
        try
        {
            var code = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(code, 0x8); // CANCEL
            await WriteFrameAsync(0x3, 0, streamId, code).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            _usable = false;
        }
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[FrameHeader];
        var headerBlock = new List<byte>();
        var blockStream = 0;
        var blockEndsStream = false;
        Exception? failure = null;
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(header, _closing.Token).ConfigureAwait(false);
                var arrived = _time.GetTimestamp();
                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var type = header[3];
                var flags = header[4];
                var streamId = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & int.MaxValue;
                if (length > MaxFrameSize)
                {
                    throw new BadResponseException($"HTTP/2 frame of {length} bytes is larger than the 16384 we allow.");
                }

                var payload = new byte[length];
                await _stream.ReadExactlyAsync(payload, _closing.Token).ConfigureAwait(false);
                if (blockStream != 0 && type != 0x9)
                {
                    throw new BadResponseException("HTTP/2 header block interrupted by another frame.");
                }

                _streams.TryGetValue(streamId, out var state);
                switch (type)
                {
                    case 0x0: // DATA
                        if (state is not null)
                        {
                            state.FirstByte = state.FirstByte == 0 ? arrived : state.FirstByte;
                            var data = Unpad(payload, flags);
                            if (!state.Budget.TryTake(data.Length))
                            {
                                state.Done.TrySetException(new BodyTooLargeException(state.Budget.Limit));
                                _ = ResetAsync(streamId);
                                break;
                            }

                            state.Body.Write(data);
                            if ((flags & 0x1) != 0)
                            {
                                Complete(state);
                            }
                        }

                        break;
                    case 0x1: // HEADERS
                    case 0x9: // CONTINUATION
                        if (type == 0x1)
                        {
                            if (state is not null && state.FirstByte == 0)
                            {
                                state.FirstByte = arrived;
                            }

                            var fragment = Unpad(payload, flags);
                            if ((flags & 0x20) != 0)
                            {
                                fragment = fragment[5..]; // PRIORITY fields
                            }

                            headerBlock.Clear();
                            headerBlock.AddRange(fragment);
                            blockStream = streamId;
                            blockEndsStream = (flags & 0x1) != 0;
                        }
                        else if (streamId == blockStream)
                        {
                            headerBlock.AddRange(payload);
                        }
                        else
                        {
                            throw new BadResponseException("HTTP/2 CONTINUATION without HEADERS.");
                        }

                        if (state is not null)
                        {
                            state.HeaderBytes += length + FrameHeader;
                        }

                        if ((flags & 0x4) != 0)
                        {
                            // Every block is decoded, even for a stream we gave up on, to keep the HPACK table in step.
                            var decoded = _decoder.Decode(headerBlock.ToArray());
                            if (state is not null)
                            {
                                OnHeaders(state, decoded, blockEndsStream);
                            }

                            blockStream = 0;
                        }

                        break;
                    case 0x3: // RST_STREAM
                        state?.Done.TrySetException(new IOException($"The server reset the HTTP/2 stream (error {BinaryPrimitives.ReadUInt32BigEndian(payload)})."));
                        break;
                    case 0x4: // SETTINGS
                        if ((flags & 0x1) == 0)
                        {
                            ApplySettings(payload);
                            await WriteFrameAsync(0x4, 0x1, 0, []).ConfigureAwait(false);
                        }

                        break;
                    case 0x6: // PING
                        if ((flags & 0x1) == 0)
                        {
                            await WriteFrameAsync(0x6, 0x1, 0, payload).ConfigureAwait(false);
                        }

                        break;
                    case 0x7: // GOAWAY
                        _usable = false;
                        var lastStream = BinaryPrimitives.ReadInt32BigEndian(payload) & int.MaxValue;
                        foreach (var s in _streams.Values.Where(s => s.Id > lastStream))
                        {
                            s.Done.TrySetException(new IOException("The server closed the HTTP/2 connection (GOAWAY) before this stream."));
                        }

                        break;
                    case 0x5: // PUSH_PROMISE: we disabled push
                        throw new BadResponseException("HTTP/2 server push although SETTINGS_ENABLE_PUSH is 0.");
                    default: // WINDOW_UPDATE, PRIORITY, unknown: nothing to do for a client that only sends headers
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            failure = ex;
        }
        finally
        {
            _usable = false;
            foreach (var s in _streams.Values)
            {
                s.Done.TrySetException(failure is BadResponseException ? failure : new IOException("The HTTP/2 connection ended: " + (failure?.Message ?? "closed"), failure));
            }
        }
    }

    private void ApplySettings(byte[] payload)
    {
        for (var i = 0; i + 6 <= payload.Length; i += 6)
        {
            var id = BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i));
            var value = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
            if (id == 0x3 && !_settingsSeen && value < 100)
            {
                // SETTINGS_MAX_CONCURRENT_STREAMS below our default: hold back the slots the server does not give.
                for (var n = value; n < 100; n++)
                {
                    _streamSlots.Wait(0);
                }
            }
        }

        _settingsSeen = true;
    }

    private void OnHeaders(StreamState state, List<HeaderPair> headers, bool endStream)
    {
        var status = headers.FirstOrDefault(h => h.Name == ":status")?.Value;
        if (state.Status == 0 && int.TryParse(status, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            if (code / 100 == 1)
            {
                return; // informational: the real response follows
            }

            state.Status = code;
            state.Headers = headers;
        }

        if (endStream)
        {
            Complete(state);
        }
    }

    private void Complete(StreamState state)
    {
        state.End = _time.GetTimestamp();
        state.FirstByte = state.FirstByte == 0 ? state.End : state.FirstByte;
        state.Done.TrySetResult();
    }

    private static byte[] Unpad(byte[] payload, byte flags)
    {
        if ((flags & 0x8) == 0)
        {
            return payload;
        }

        var pad = payload.Length > 0 ? payload[0] : throw new BadResponseException("Padded HTTP/2 frame without a pad length.");
        return pad >= payload.Length ? throw new BadResponseException("HTTP/2 padding longer than the frame.") : payload[1..^pad];
    }

    public void Dispose()
    {
        _usable = false;
        _closing.Cancel();
        _stream.Dispose();
        _socket.Dispose();
        _closing.Dispose();
    }

    private sealed class StreamState(int id, ByteBudget budget)
    {
        public int Id { get; } = id;

        public ByteBudget Budget { get; } = budget;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public MemoryStream Body { get; } = new();

        public int Status { get; set; }

        public List<HeaderPair> Headers { get; set; } = [];

        public long HeaderBytes { get; set; }

        public long FirstByte { get; set; }

        public long End { get; set; }
    }
}

/// <summary>A response as either client read it, with the clock marks of its steps.</summary>
internal sealed record RawResponse(int Status, string Reason, string Version, List<HeaderPair> Headers, long HeaderBytes, byte[] Body, long RequestBytes,
    List<HeaderPair> RequestHeaders, long SendStart, long SendEnd, long FirstByte, long End);
