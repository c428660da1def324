using System.Runtime.InteropServices;

namespace Speedera.Edge.Cache;

/// <summary>
/// The libc calls the cache's zero-copy code shares (<see cref="SealedBody"/> and <see cref="ZeroCopySender"/>):
/// descriptors, fcntl, and the pipes that tee and splice page references through.
/// </summary>
internal static unsafe partial class Libc
{
    public const int Eintr = 4;
    public const int Eagain = 11;
    public const int OCloexec = 0x80000;
    public const int ONonblock = 0x800;
    public const uint SpliceMove = 1;
    public const uint SpliceNonblock = 2;
    private const int FSetPipeSize = 1031;
    private const int FionRead = 0x541B;

    /// <summary>A non-blocking, close-on-exec pipe; false when the process is out of descriptors.</summary>
    public static bool TryOpenPipe(out int readEnd, out int writeEnd)
    {
        int* ends = stackalloc int[2];
        bool opened = pipe2(ends, OCloexec | ONonblock) == 0;
        readEnd = opened ? ends[0] : -1;
        writeEnd = opened ? ends[1] : -1;
        return opened;
    }

    /// <summary>
    /// Makes a pipe hold at least <paramref name="length"/> bytes (F_SETPIPE_SZ); returns its capacity, or -1 when the
    /// kernel refuses (an unprivileged process past fs.pipe-max-size or fs.pipe-user-pages-soft).
    /// </summary>
    public static int GrowPipe(int fd, int length)
    {
        int capacity = fcntl(fd, FSetPipeSize, length);
        return capacity >= length ? capacity : -1;
    }

    /// <summary>Bytes queued in a pipe (FIONREAD); -1 on error.</summary>
    public static int PipeBytes(int fd)
    {
        int queued = 0;
        return ioctl(fd, FionRead, &queued) == 0 ? queued : -1;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint splice(int fdIn, long* offsetIn, int fdOut, long* offsetOut, nuint length, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint tee(int fdIn, int fdOut, nuint length, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, int request, int* value);
}
