using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Speedera.Edge.Cache;

/// <summary>
/// Connection middleware for the cache's plain (non-TLS) listeners on Linux: it takes over the sending half of the
/// connection so that a response pipe segment that is a <see cref="SealedBody"/> goes to the socket with sendfile(2)
/// from its memfd — no copy of the body into the socket buffer, as nginx does from its cache files — while everything
/// else is sent the way Kestrel's socket transport sends it. Kestrel keeps the connection: accepting, receiving, the
/// closed token, aborts and shutdown; its own send loop stays idle until this sender has sent the last byte.
/// <para>
/// A whole body that has a page pipe (see <see cref="SealedBody.PagePipe"/>) goes by tee(2) into a pooled scratch pipe
/// and splice(2) from there to the socket instead: the same zero-copy send, without sendfile's page-cache lookup of
/// every page (16 % of the cache's CPU at 100 KB hits; tee only takes page references).
/// </para>
/// <para>
/// A sendfile that finds the socket buffer full (a slow client) is not waited on in the kernel: the rest of that body
/// goes through the ordinary asynchronous send (a copy), which waits for room without holding a thread.
/// </para>
/// </summary>
internal static partial class ZeroCopySender
{
    private const int FGetFl = 3;
    private const int MsgDontWait = 0x40;
    private const int MsgMore = 0x8000;
    private const int MsgNoSignal = 0x4000;

    private static long s_sentBytes;
    private static long s_splicedBytes;
    private static long s_shortSends;
    private static long s_headsSpliced;

    /// <summary>A response head up to this size may share the body's splice (one pipe page).</summary>
    private const int HeadInPipeLimit = 4096;

    /// <summary>Body bytes sent without a copy (sendfile, or splice from a page pipe) since the process started.</summary>
    public static long SentBytes => Interlocked.Read(ref s_sentBytes);

    /// <summary>Body bytes of those sent from a page pipe (tee and splice) rather than by sendfile.</summary>
    public static long SplicedBytes => Interlocked.Read(ref s_splicedBytes);

    /// <summary>How often sendfile found the socket buffer full and the rest of a body went the ordinary way.</summary>
    public static long ShortSends => Interlocked.Read(ref s_shortSends);

    /// <summary>Responses whose head went to the socket in the same splice as the body.</summary>
    public static long HeadsSpliced => Interlocked.Read(ref s_headsSpliced);

    public static bool Supported => SealedBody.Supported;

    /// <summary>
    /// Adds the sender to a listener (only plain listeners: TLS encrypts into buffers of its own). <paramref name="front"/>,
    /// when given, sees the connection first, writing into the same sender; it returns whether Kestrel takes the
    /// connection over afterwards (see <c>FastHitServer.ServeAsync</c>).
    /// </summary>
    public static ListenOptions UseZeroCopySend(this ListenOptions listen, FrontHandler? front = null)
    {
        if (Supported)
        {
            listen.Use(next => connection => RunAsync(connection, next, front));
        }

        return listen;
    }

    /// <summary>Serves requests of a connection before Kestrel: reads <c>input</c>, answers into <c>output</c>.</summary>
    public delegate Task<bool> FrontHandler(ConnectionContext connection, PipeReader input, PipeWriter output);

    private static async Task RunAsync(ConnectionContext connection, ConnectionDelegate next, FrontHandler? front)
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        var pool = connection.Features.Get<IMemoryPoolFeature>()?.MemoryPool;
        if (socket is null || pool is null || !IsNonBlocking(socket))
        {
            await next(connection).ConfigureAwait(false);
            return;
        }

        var original = connection.Transport;

        // Like Kestrel's output pipe: its memory pool (so cached bodies can be lent, see HitMemoryPool) and a 64 KB
        // pause threshold; the reader runs inline, so a flush sends on the flushing thread.
        var pipe = new Pipe(new PipeOptions(
            pool,
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 64 * 1024,
            resumeWriterThreshold: 32 * 1024,
            minimumSegmentSize: 4096,
            useSynchronizationContext: false));
        var sending = SendLoopAsync(pipe.Reader, socket, connection);
        connection.Transport = new DuplexPipe(original.Input, pipe.Writer);
        try
        {
            if (front is null || await front(connection, original.Input, pipe.Writer).ConfigureAwait(false))
            {
                await next(connection).ConfigureAwait(false);
            }
        }
        finally
        {
            await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            await sending.ConfigureAwait(false);
            connection.Transport = original;
        }
    }

    private static async Task SendLoopAsync(PipeReader reader, Socket socket, ConnectionContext connection)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    break;
                }

                if (!buffer.IsEmpty)
                {
                    await SendAsync(socket, buffer).ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            // The peer went away or Kestrel aborted the connection: what is left cannot be sent.
            error = ex;
            connection.Abort(new ConnectionAbortedException("Sending the response failed.", ex));
        }
        finally
        {
            await reader.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    private static async ValueTask SendAsync(Socket socket, ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment && !IsSealed(buffer.First, out _, out _, out _))
        {
            await SendAllAsync(socket, buffer.First).ConfigureAwait(false);
            return;
        }

        List<ArraySegment<byte>>? pending = null;
        foreach (var segment in buffer)
        {
            if (segment.IsEmpty)
            {
                continue;
            }

            if (IsSealed(segment, out var body, out int start, out int length))
            {
                int sent = -1;
                if (pending is { Count: 1 } && pending[0].Count <= HeadInPipeLimit && start == 0 && length == body.Length)
                {
                    // The response head goes into the scratch pipe in front of the body: one splice sends both.
                    var head = pending[0];
                    sent = SpliceWithHead(socket, head, body, out int headSent);
                    if (sent >= 0)
                    {
                        pending.Clear();
                        if (headSent < head.Count)
                        {
                            await SendAllAsync(socket, head.AsMemory(headSent)).ConfigureAwait(false);
                        }
                    }
                }

                if (sent < 0)
                {
                    await FlushPendingAsync(socket, pending, moreFollows: true).ConfigureAwait(false);
                    pending?.Clear();
                    sent = SendFile(socket, body, start, length);
                }

                if (sent < length)
                {
                    // The socket buffer is full: wait for room the ordinary way and send the rest from the mapping.
                    Interlocked.Increment(ref s_shortSends);
                    await SendAllAsync(socket, segment[sent..]).ConfigureAwait(false);
                }

                continue;
            }

            if (!MemoryMarshal.TryGetArray(segment, out var array))
            {
                await FlushPendingAsync(socket, pending, moreFollows: false).ConfigureAwait(false);
                pending?.Clear();
                await SendAllAsync(socket, segment).ConfigureAwait(false);
                continue;
            }

            (pending ??= []).Add(array);
        }

        await FlushPendingAsync(socket, pending, moreFollows: false).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends gathered segments. Before a sendfile, one small segment (the response headers) goes out with MSG_MORE
    /// so the kernel puts it in front of the body rather than in a packet of its own.
    /// </summary>
    private static async ValueTask FlushPendingAsync(Socket socket, List<ArraySegment<byte>>? pending, bool moreFollows)
    {
        if (pending is null || pending.Count == 0)
        {
            return;
        }

        if (pending.Count == 1)
        {
            var only = pending[0];
            int sent = moreFollows ? SendMore(socket, only) : 0;
            if (sent < only.Count)
            {
                await SendAllAsync(socket, only.AsMemory(sent)).ConfigureAwait(false);
            }

            return;
        }

        await socket.SendAsync(pending, SocketFlags.None).ConfigureAwait(false);
    }

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> memory)
    {
        while (!memory.IsEmpty)
        {
            int n = await socket.SendAsync(memory, SocketFlags.None).ConfigureAwait(false);
            memory = memory[n..];
        }
    }

    private static bool IsSealed(ReadOnlyMemory<byte> segment, out SealedBody body, out int start, out int length) =>
        MemoryMarshal.TryGetMemoryManager(segment, out body!, out start, out length);

    /// <summary>
    /// Sends a body segment without waiting; returns how many bytes the socket took. A whole body with a page pipe goes
    /// by tee(2) into a scratch pipe and splice(2) to the socket (page references only); anything else by sendfile(2)
    /// from the memfd, which looks every page up again.
    /// </summary>
    private static int SendFile(Socket socket, SealedBody body, int start, int length)
    {
        var handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            if (start == 0 && length == body.Length && body.PagePipe >= 0 && ScratchPipe.Rent(length) is { } scratch)
            {
                int spliced = SpliceFromPages(fd, body, scratch);
                GC.KeepAlive(body);
                if (spliced >= 0)
                {
                    Interlocked.Add(ref s_splicedBytes, spliced);
                    Interlocked.Add(ref s_sentBytes, spliced);
                    return spliced;
                }
            }

            long offset = start;
            int sent = 0;
            while (sent < length)
            {
                nint n = sendfile(fd, body.FileDescriptor, ref offset, (nuint)(length - sent));
                if (n > 0)
                {
                    sent += (int)n;
                    continue;
                }

                int errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (errno == Libc.Eintr)
                {
                    continue;
                }

                if (errno == Libc.Eagain || n == 0)
                {
                    break;
                }

                throw new SocketException(errno);
            }

            Interlocked.Add(ref s_sentBytes, sent);
            GC.KeepAlive(body);
            return sent;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Sends a response head and a whole body that has a page pipe with one splice: the head is written into the
    /// scratch pipe (a copy of a few hundred bytes) in front of the body's pages, which saves the head's own trip
    /// through the socket layer (a send with MSG_MORE). Returns the body bytes sent and in <paramref name="headSent"/>
    /// the head bytes sent; -1, having sent nothing, when the body cannot go this way (the caller sends as before).
    /// </summary>
    private static unsafe int SpliceWithHead(Socket socket, ArraySegment<byte> head, SealedBody body, out int headSent)
    {
        headSent = 0;
        if (body.PagePipe < 0 || ScratchPipe.Rent(body.Length + HeadInPipeLimit) is not { } scratch)
        {
            return -1;
        }

        var handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            nint written;
            fixed (byte* p = head.AsSpan())
            {
                written = write(scratch.WriteEnd, p, (nuint)head.Count);
            }

            if (written != head.Count)
            {
                // A new, empty pipe takes a few hundred bytes; if not, it is closed rather than reused.
                scratch.Return(written <= 0 || scratch.Discard((int)written));
                return -1;
            }

            int sent = SpliceFromPages((int)handle.DangerousGetHandle(), body, scratch, head.Count);
            GC.KeepAlive(body);
            if (sent < 0)
            {
                return -1;
            }

            headSent = Math.Min(sent, head.Count);
            int bodySent = sent - headSent;
            Interlocked.Increment(ref s_headsSpliced);
            Interlocked.Add(ref s_splicedBytes, bodySent);
            Interlocked.Add(ref s_sentBytes, bodySent);
            return bodySent;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// tee(2) the body's pages into the scratch pipe (behind <paramref name="queuedAhead"/> bytes already in it),
    /// splice(2) them to the socket; what the socket does not take is dropped from the scratch pipe (splice to
    /// /dev/null) so the pipe goes back to the pool empty, and the caller sends the rest the ordinary way. Returns the
    /// bytes sent, or -1, having sent nothing and emptied the pipe, when tee gives nothing (sendfile then).
    /// </summary>
    private static int SpliceFromPages(int socketFd, SealedBody body, ScratchPipe scratch, int queuedAhead = 0)
    {
        bool empty = false;
        try
        {
            nint teed = Libc.tee(body.PagePipe, scratch.WriteEnd, (nuint)body.Length, Libc.SpliceNonblock);
            if (teed <= 0)
            {
                empty = queuedAhead == 0 || scratch.Discard(queuedAhead);
                return -1;
            }

            int queued = queuedAhead + (int)teed, sent = 0, errno = 0;
            while (queued > 0)
            {
                nint n = SpliceToSocket(socketFd, scratch.ReadEnd, (nuint)queued);
                if (n > 0)
                {
                    sent += (int)n;
                    queued -= (int)n;
                    continue;
                }

                errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
                if (errno != Libc.Eintr)
                {
                    break;
                }
            }

            empty = queued == 0 || scratch.Discard(queued);
            if (queued > 0 && errno != Libc.Eagain && errno != 0)
            {
                throw new SocketException(errno);
            }

            return sent;
        }
        finally
        {
            scratch.Return(empty);
        }
    }

    private static unsafe nint SpliceToSocket(int socketFd, int pipeFd, nuint length) =>
        Libc.splice(pipeFd, null, socketFd, null, length, Libc.SpliceNonblock | Libc.SpliceMove);

    /// <summary>send(2) with MSG_MORE, without waiting; returns how many bytes the socket took (0 when it would block).</summary>
    private static unsafe int SendMore(Socket socket, ArraySegment<byte> data)
    {
        var handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            fixed (byte* p = data.AsSpan())
            {
                while (true)
                {
                    nint n = send((int)handle.DangerousGetHandle(), p, (nuint)data.Count, MsgDontWait | MsgMore | MsgNoSignal);
                    if (n >= 0)
                    {
                        return (int)n;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.Eintr)
                    {
                        continue;
                    }

                    if (errno == Libc.Eagain)
                    {
                        return 0;
                    }

                    throw new SocketException(errno);
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Kestrel's sockets are non-blocking (its receive loop is asynchronous); sendfile must not wait in the kernel.</summary>
    private static bool IsNonBlocking(Socket socket)
    {
        var handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int flags = Libc.fcntl((int)handle.DangerousGetHandle(), FGetFl, 0);
            return flags >= 0 && (flags & Libc.ONonblock) != 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>
    /// A pipe the sender tees a body's pages into before splicing them to a socket. Always empty between uses: rented
    /// and returned within one synchronous send, so a few serve the whole process.
    /// </summary>
    private sealed unsafe class ScratchPipe
    {
        private static readonly ConcurrentBag<ScratchPipe> Pool = [];
        private static readonly int DevNull = open("/dev/null", OWronly | Libc.OCloexec);
        private int _capacity;

        private ScratchPipe(int readEnd, int writeEnd, int capacity)
        {
            ReadEnd = readEnd;
            WriteEnd = writeEnd;
            _capacity = capacity;
        }

        public int ReadEnd { get; }

        public int WriteEnd { get; }

        /// <summary>An empty pipe that holds at least <paramref name="length"/> bytes; null when the kernel will not make one.</summary>
        public static ScratchPipe? Rent(int length)
        {
            if (!Pool.TryTake(out var pipe))
            {
                if (!Libc.TryOpenPipe(out int readEnd, out int writeEnd))
                {
                    return null;
                }

                pipe = new ScratchPipe(readEnd, writeEnd, 64 * 1024);
            }

            if (pipe._capacity < length)
            {
                int capacity = Libc.GrowPipe(pipe.WriteEnd, length);
                if (capacity < 0)
                {
                    pipe.Return(empty: true);
                    return null;
                }

                pipe._capacity = capacity;
            }

            return pipe;
        }

        /// <summary>Drops <paramref name="length"/> queued bytes (page references) into /dev/null.</summary>
        public bool Discard(int length)
        {
            while (length > 0)
            {
                nint n = Libc.splice(ReadEnd, null, DevNull, null, (nuint)length, Libc.SpliceNonblock);
                if (n > 0)
                {
                    length -= (int)n;
                }
                else if (!(n < 0 && Marshal.GetLastPInvokeError() == Libc.Eintr))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Back to the pool when empty; a pipe that could not be emptied is closed.</summary>
        public void Return(bool empty)
        {
            if (empty)
            {
                Pool.Add(this);
                return;
            }

            Libc.close(ReadEnd);
            Libc.close(WriteEnd);
        }
    }

    private const int OWronly = 1;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendfile(int outFd, int inFd, ref long offset, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint send(int fd, byte* buffer, nuint length, int flags);

}
