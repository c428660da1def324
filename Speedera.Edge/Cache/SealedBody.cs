using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Speedera.Edge.Cache;

/// <summary>
/// A stored body that lives in a sealed memfd (Linux), mapped read-only. The rest of the cache reads it like any other
/// memory; the plain-HTTP sender (<see cref="ZeroCopySender"/>) recognises its segments in the response pipe and hands
/// them to the kernel with sendfile(2) from the memfd, so a hit is sent without copying the body (nginx does the same
/// from its cache files). The seals (no write, no shrink, no grow) make the pages immutable, which is what makes
/// sendfile safe: data the kernel still holds for a slow client can never change under it, and closing the memfd
/// when the body is evicted does not free pages the kernel still references.
/// <para>
/// Lifetime: the body belongs to the garbage collector like an array would (a response pipe segment, the cache entry
/// and any <see cref="ReadOnlyMemory{T}"/> keep it alive). When it is collected, its mapping and descriptor are
/// released after <see cref="ReleaseDelay"/>, not at once: a span taken from it is stack-only and so is used within
/// synchronous code that has long finished by then, even if the JIT stopped reporting the memory that produced it.
/// </para>
/// </summary>
internal sealed unsafe partial class SealedBody : MemoryManager<byte>
{
    /// <summary>Bodies smaller than this stay arrays: a copy costs less than a system call of their own.</summary>
    public const int MinimumLength = HitMemoryPool.ZeroCopyThreshold;

    private static readonly TimeSpan ReleaseDelay = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentQueue<(long Due, int Fd, int Pipe, nint Address, nuint Length)> Retired = new();
    private static readonly Timer Reaper = new(_ => Reap(), null, Timeout.Infinite, Timeout.Infinite);
    private static readonly int Capacity = ComputeCapacity();

    // Page pipes take a second descriptor per body: at most half as many as bodies.
    private static readonly int PipeCapacity = Capacity / 2;
    private static int s_live;
    private static int s_pipes;
    private static long s_sequence;
    private static int s_reaperArmed;

    private readonly int _fd;
    private readonly int _pipe;
    private readonly byte* _address;
    private readonly int _length;

    private SealedBody(int fd, int pipe, byte* address, int length)
    {
        _fd = fd;
        _pipe = pipe;
        _address = address;
        _length = length;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2015", Justification = "The finalizer only queues the release; the mapping is unmapped ReleaseDelay later, long after any stack-only span taken from it is gone (see the class remarks).")]
    ~SealedBody()
    {
        Retired.Enqueue((Environment.TickCount64 + (long)ReleaseDelay.TotalMilliseconds, _fd, _pipe, (nint)_address, (nuint)_length));
        if (Interlocked.Exchange(ref s_reaperArmed, 1) == 0)
        {
            Reaper.Change(ReleaseDelay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Whether this system can hold sealed bodies (Linux on x86-64 or ARM64).</summary>
    public static bool Supported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Sealed bodies alive (each holds a descriptor and a mapping).</summary>
    public static int Live => Volatile.Read(ref s_live);

    /// <summary>The memfd to sendfile from; valid while this object is reachable.</summary>
    public int FileDescriptor => _fd;

    /// <summary>
    /// The read end of a pipe that holds references to the body's pages (-1 when there is none): tee(2) duplicates
    /// them into another pipe without looking each page up in the memfd again, which is most of what sendfile costs
    /// for a body of a few dozen pages (see <see cref="ZeroCopySender"/>). Nothing ever reads from this pipe.
    /// </summary>
    public int PagePipe => _pipe;

    /// <summary>Bytes queued in the page pipe (FIONREAD): the body's length, always; -1 without a pipe.</summary>
    public int PagePipeBytes() => _pipe >= 0 ? Libc.PipeBytes(_pipe) : -1;

    public int Length => _length;

    /// <summary>
    /// The body as a sealed memfd, or the array itself when it is small, the system cannot seal, or the process already
    /// holds as many sealed bodies as its descriptor and mapping limits comfortably allow.
    /// </summary>
    public static ReadOnlyMemory<byte> Store(byte[] bytes) => TryCreate(bytes) is { } sealedBody ? sealedBody.Memory : bytes;

    public static SealedBody? TryCreate(ReadOnlySpan<byte> bytes)
    {
        if (!Supported || bytes.Length < MinimumLength)
        {
            return null;
        }

        if (Interlocked.Increment(ref s_live) > Capacity)
        {
            Interlocked.Decrement(ref s_live);
            return null;
        }

        // Numbered names: /proc/<pid>/fd tells the bodies apart.
        int fd = memfd_create("speedera-body-" + Interlocked.Increment(ref s_sequence).ToString(System.Globalization.CultureInfo.InvariantCulture), MfdCloexec | MfdAllowSealing);
        if (fd < 0)
        {
            Interlocked.Decrement(ref s_live);
            return null;
        }

        void* address = null;
        try
        {
            fixed (byte* source = bytes)
            {
                int written = 0;
                while (written < bytes.Length)
                {
                    nint n = write(fd, source + written, (nuint)(bytes.Length - written));
                    if (n <= 0)
                    {
                        if (n < 0 && Marshal.GetLastPInvokeError() == Libc.Eintr)
                        {
                            continue;
                        }

                        return Fail(fd, null, bytes.Length);
                    }

                    written += (int)n;
                }
            }

            if (Libc.fcntl(fd, FAddSeals, FSealSeal | FSealShrink | FSealGrow | FSealWrite) != 0)
            {
                return Fail(fd, null, bytes.Length);
            }

            address = mmap(null, (nuint)bytes.Length, ProtRead, MapShared, fd, 0);
            if (address == MapFailed)
            {
                return Fail(fd, null, bytes.Length);
            }

            // The pages are not on the managed heap: tell the collector, or evicted bodies (a few dozen managed bytes
            // each) could wait for a collection long after the cache let go of them.
            GC.AddMemoryPressure(bytes.Length);
            return new SealedBody(fd, LoadPagePipe(fd, bytes.Length), (byte*)address, bytes.Length);
        }
        catch
        {
            Fail(fd, address == MapFailed ? null : address, bytes.Length);
            throw;
        }
    }

    /// <summary>The span of a read-only mapping: reading only (a write faults). Stored bodies are never written.</summary>
    public override Span<byte> GetSpan() => new(_address, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)_length, nameof(elementIndex));
        return new MemoryHandle(_address + elementIndex, default, this);
    }

    public override void Unpin()
    {
    }

    /// <summary>Nothing to do: the finalizer releases the mapping once nothing can use it.</summary>
    protected override void Dispose(bool disposing)
    {
    }

    private static SealedBody? Fail(int fd, void* address, int length)
    {
        if (address is not null)
        {
            munmap(address, (nuint)length);
        }

        Libc.close(fd);
        Interlocked.Decrement(ref s_live);
        return null;
    }

    /// <summary>
    /// A pipe filled with the memfd's pages by splice(2) (references, not copies), its write end closed; -1 when the
    /// descriptor budget is spent or the kernel refuses a pipe that large (an unprivileged process past
    /// fs.pipe-user-pages-soft): the body is then sent with sendfile alone.
    /// </summary>
    private static int LoadPagePipe(int fd, int length)
    {
        if (Interlocked.Increment(ref s_pipes) > PipeCapacity)
        {
            Interlocked.Decrement(ref s_pipes);
            return -1;
        }

        if (!Libc.TryOpenPipe(out int readEnd, out int writeEnd))
        {
            Interlocked.Decrement(ref s_pipes);
            return -1;
        }

        bool loaded = false;
        try
        {
            if (Libc.GrowPipe(writeEnd, length) < 0)
            {
                return -1;
            }

            long offset = 0;
            while (offset < length)
            {
                nint n = Libc.splice(fd, &offset, writeEnd, null, (nuint)(length - offset), Libc.SpliceNonblock);
                if (n <= 0 && !(n < 0 && Marshal.GetLastPInvokeError() == Libc.Eintr))
                {
                    return -1;
                }
            }

            loaded = true;
            return readEnd;
        }
        finally
        {
            Libc.close(writeEnd);
            if (!loaded)
            {
                Libc.close(readEnd);
                Interlocked.Decrement(ref s_pipes);
            }
        }
    }

    private static void Reap()
    {
        long now = Environment.TickCount64;
        while (Retired.TryPeek(out var item) && item.Due <= now && Retired.TryDequeue(out item))
        {
            munmap((void*)item.Address, item.Length);
            Libc.close(item.Fd);
            if (item.Pipe >= 0)
            {
                Libc.close(item.Pipe);
                Interlocked.Decrement(ref s_pipes);
            }

            GC.RemoveMemoryPressure((long)item.Length);
            Interlocked.Decrement(ref s_live);
        }

        Volatile.Write(ref s_reaperArmed, 0);
        if (!Retired.IsEmpty && Interlocked.Exchange(ref s_reaperArmed, 1) == 0)
        {
            Reaper.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>A quarter of the mapping limit and of the descriptor limit: the rest stays for sockets and files.</summary>
    private static int ComputeCapacity()
    {
        if (!Supported)
        {
            return 0;
        }

        long maps = 65530;
        try
        {
            maps = long.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
        }

        long files = 1024;
        RLimit limit;
        if (getrlimit(RlimitNofile, &limit) == 0)
        {
            files = (long)Math.Min(limit.Current, (ulong)int.MaxValue);
        }

        return (int)Math.Max(0, Math.Min(maps, files) / 4);
    }

    private const uint MfdCloexec = 1;
    private const uint MfdAllowSealing = 2;
    private const int FAddSeals = 1033;
    private const int FSealSeal = 1;
    private const int FSealShrink = 2;
    private const int FSealGrow = 4;
    private const int FSealWrite = 8;
    private const int ProtRead = 1;
    private const int MapShared = 1;
    private const int RlimitNofile = 7;
    private static readonly void* MapFailed = (void*)-1;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial void* mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(void* address, nuint length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, RLimit* limit);

}
