using System.Runtime.InteropServices;
using System.Text;

namespace Speedera.Tools.DelayBridge;

/// <summary>A TUN device opened through /dev/net/tun (Documentation/networking/tuntap.rst).</summary>
internal sealed partial class Tun : IDisposable
{
    private const int ORdwr = 2;
    private const ulong TunSetIff = 0x400454ca; // _IOW('T', 202, int)
    private const short IffTun = 0x0001;
    private const short IffNoPi = 0x1000;
    private const int IfReqSize = 40;
    private const int EIntr = 4;

    private int _fd;

    private Tun(int fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Opens (creates) TUN device <paramref name="name"/> without packet-info headers.</summary>
    public static Tun Open(string name)
    {
        if (Encoding.ASCII.GetByteCount(name) > 15)
        {
            throw new ArgumentException("Interface names are at most 15 bytes.", nameof(name));
        }

        var fd = open("/dev/net/tun", ORdwr);
        if (fd < 0)
        {
            throw new IOException($"open /dev/net/tun failed: errno {Marshal.GetLastPInvokeError()}");
        }

        var ifr = new byte[IfReqSize];
        Encoding.ASCII.GetBytes(name, ifr);
        BitConverter.TryWriteBytes(ifr.AsSpan(16), (short)(IffTun | IffNoPi));
        if (ioctl(fd, TunSetIff, ifr) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            close(fd);
            throw new IOException($"TUNSETIFF {name} failed: errno {errno}");
        }

        return new Tun(fd, name);
    }

    /// <summary>Blocking read of one IP packet; 0 when the device is closed.</summary>
    public int Read(Span<byte> buffer)
    {
        while (true)
        {
            int n;
            unsafe
            {
                fixed (byte* p = buffer)
                {
                    n = (int)read(_fd, p, (nuint)buffer.Length);
                }
            }

            if (n >= 0)
            {
                return n;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != EIntr)
            {
                return Volatile.Read(ref _fd) < 0 ? 0 : throw new IOException($"read {Name}: errno {errno}");
            }
        }
    }

    public void Write(ReadOnlySpan<byte> packet)
    {
        unsafe
        {
            fixed (byte* p = packet)
            {
                // A full queue or a down interface drops the packet, as a real link would.
                _ = write(_fd, p, (nuint)packet.Length);
            }
        }
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            close(fd);
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, ulong request, byte[] arg);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
