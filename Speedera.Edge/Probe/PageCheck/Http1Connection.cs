using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Speedera.Core.PageCheck;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// One HTTP/1.1 connection of the agent, its own minimal client so every phase is timed where it happens: the
/// request written (send), the first response byte (wait), the last body byte (receive). Keep-alive as browsers do;
/// bodies by Content-Length, chunked, or until close (RFC 9112 §6.3).
/// </summary>
internal sealed class Http1Connection(Socket socket, Stream stream, IPEndPoint remote, int id, TimeProvider time) : IDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    public int Id { get; } = id;

    public IPEndPoint Remote { get; } = remote;

    /// <summary>The TLS session it runs on (null for plain HTTP).</summary>
    public TlsDetails? Tls { get; init; }

    /// <summary>False once the server asked to close, a body ran to EOF, or anything went wrong.</summary>
    public bool Reusable { get; private set; } = true;

    public async Task<RawResponse> SendAsync(
        FetchRequest request, CancellationToken cancellationToken)
    {
        Reusable = false;
        var requestHeaders = new List<HeaderPair> { new("Host", request.Target.HostHeader) };
        requestHeaders.AddRange(request.ExtraHeaders);
        var text = new StringBuilder();
        text.Append("GET ").Append(request.Url.PathAndQuery).Append(" HTTP/1.1\r\n");
        foreach (var h in requestHeaders)
        {
            text.Append(h.Name).Append(": ").Append(h.Value).Append("\r\n");
        }

        text.Append("\r\n");
        var bytes = Encoding.ASCII.GetBytes(text.ToString());
        var sendStart = time.GetTimestamp();
        await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        var sendEnd = time.GetTimestamp();

        long firstByte = 0;
        int headerEnd;
        while (true)
        {
            headerEnd = IndexOfHeaderEnd();
            if (headerEnd >= 0)
            {
                break;
            }

            if (_end - _start >= MaxHeaderBytes)
            {
                throw new BadResponseException("Response headers are larger than 64 KiB.");
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new BadResponseException("The server closed the connection before a response.");
            }

            if (firstByte == 0)
            {
                firstByte = time.GetTimestamp();
            }
        }

        var head = Encoding.Latin1.GetString(_buffer, _start, headerEnd - _start);
        var headerBytes = headerEnd + 4 - _start;
        Take(request.Budget, headerBytes);
        _start = headerEnd + 4;
        var lines = head.Split("\r\n");
        var statusLine = lines[0].Split(' ', 3);
        if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new BadResponseException($"Not an HTTP/1.x status line: {lines[0]}");
        }

        var headers = new List<HeaderPair>(lines.Length);
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.Add(new HeaderPair(line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
        }

        string? Get(string name) => headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase))?.Value;
        var version = statusLine[0];
        var keepAlive = version == "HTTP/1.1"
            ? !string.Equals(Get("Connection"), "close", StringComparison.OrdinalIgnoreCase)
            : string.Equals(Get("Connection"), "keep-alive", StringComparison.OrdinalIgnoreCase);
        byte[] body;
        if (status is 204 or 304 || status / 100 == 1)
        {
            body = [];
        }
        else if (Get("Transfer-Encoding") is { } te && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = await ReadChunkedAsync(request.Budget, cancellationToken).ConfigureAwait(false);
        }
        else if (Get("Content-Length") is { } cl && long.TryParse(cl, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            Take(request.Budget, length);

            body = await ReadExactAsync((int)length, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            keepAlive = false;
            body = await ReadToEndAsync(request.Budget, cancellationToken).ConfigureAwait(false);
        }

        var end = time.GetTimestamp();
        if (firstByte == 0)
        {
            firstByte = end;
        }

        Reusable = keepAlive && _start == _end;
        return new RawResponse(status, statusLine.Length > 2 ? statusLine[2] : "", version, headers, headerBytes, body, bytes.Length, requestHeaders, sendStart, sendEnd, firstByte, end);
    }

    private static void Take(ByteBudget budget, long count)
    {
        if (!budget.TryTake(count))
        {
            throw new BodyTooLargeException(budget.Limit);
        }
    }

    private int IndexOfHeaderEnd() => _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8) is var i and >= 0 ? _start + i : -1;

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0 && _start == _end)
        {
            _start = _end = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            else
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }

        var n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += n;
        return n > 0;
    }

    private async Task<byte[]> ReadExactAsync(int length, CancellationToken cancellationToken)
    {
        var body = new byte[length];
        var filled = Math.Min(length, _end - _start);
        Buffer.BlockCopy(_buffer, _start, body, 0, filled);
        _start += filled;
        while (filled < length)
        {
            var n = await stream.ReadAsync(body.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new BadResponseException($"The server closed the connection after {filled} of {length} body bytes.");
            }

            filled += n;
        }

        return body;
    }

    private async Task<byte[]> ReadToEndAsync(ByteBudget budget, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        Take(budget, _end - _start);
        body.Write(_buffer, _start, _end - _start);
        _start = _end = 0;
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            Take(budget, n);
            body.Write(chunk, 0, n);
        }

        return body.ToArray();
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var i = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (i >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, i);
                _start += i + 2;
                return line;
            }

            if (_end - _start > 8192 || !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new BadResponseException("Bad chunked encoding.");
            }
        }
    }

    private async Task<byte[]> ReadChunkedAsync(ByteBudget budget, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var semicolon = line.IndexOf(';', StringComparison.Ordinal);
            if (!long.TryParse(semicolon < 0 ? line.Trim() : line[..semicolon].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                throw new BadResponseException($"Bad chunk size line: {line}");
            }

            if (size == 0)
            {
                while ((await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length > 0)
                {
                }

                return body.ToArray();
            }

            Take(budget, size);

            var chunk = await ReadExactAsync((int)size, cancellationToken).ConfigureAwait(false);
            body.Write(chunk);
            if ((await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length != 0)
            {
                throw new BadResponseException("Chunk not followed by CRLF.");
            }
        }
    }

    public void Dispose()
    {
        stream.Dispose();
        socket.Dispose();
    }
}
