using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Speedera.Edge.Dns;

/// <summary>
/// Batched UDP I/O on Linux: one recvmmsg(2) takes up to <see cref="Batch"/> queries that are waiting, one sendmmsg(2)
/// sends their answers, so a loaded server pays two system calls per batch instead of two per query (gdnsd does the
/// same). The buffers live in native memory, fixed for the life of the loop; nothing is allocated per query.
/// The socket must be blocking; a receive timeout (SO_RCVTIMEO) wakes the loop to notice cancellation.
/// </summary>
internal sealed unsafe partial class LinuxUdpBatch : IDisposable
{
    public const int Batch = 32;

    /// <summary>A query longer than this is cut short by the kernel (MSG_TRUNC) and dropped: real queries are far smaller.</summary>
    public const int RequestSlot = 4096;

    private const int AddressSlot = 32; // sockaddr_in6 is 28 bytes
    private const int MsgWaitForOne = 0x10000;
    private const int MsgTrunc = 0x20;
    private const int MsgDontWait = 0x40;
    private const int Eintr = 4;
    private const int Eagain = 11;
    private const int Ebadf = 9;

    private readonly int _responseSlot;
    private readonly MMsgHdr* _recv;
    private readonly MMsgHdr* _send;
    private readonly IoVec* _recvIov;
    private readonly IoVec* _sendIov;
    private readonly byte* _requests;
    private readonly byte* _responses;
    private readonly byte* _addresses;

    public LinuxUdpBatch(int responseSlot)
    {
        _responseSlot = responseSlot;
        _recv = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(MMsgHdr)));
        _send = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(MMsgHdr)));
        _recvIov = (IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(IoVec)));
        _sendIov = (IoVec*)NativeMemory.AllocZeroed((nuint)(Batch * sizeof(IoVec)));
        _requests = (byte*)NativeMemory.Alloc((nuint)(Batch * RequestSlot));
        _responses = (byte*)NativeMemory.Alloc((nuint)(Batch * responseSlot));
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)(Batch * AddressSlot));
        for (int i = 0; i < Batch; i++)
        {
            _recvIov[i] = new IoVec { Base = _requests + (i * RequestSlot), Length = RequestSlot };
            _recv[i].Header.Iov = &_recvIov[i];
            _recv[i].Header.IovLength = 1;
            _recv[i].Header.Name = _addresses + (i * AddressSlot);
            _send[i].Header.Iov = &_sendIov[i];
            _send[i].Header.IovLength = 1;
        }
    }

    /// <summary>Whether this machine can use the batch path (Linux on x86-64 or ARM64, where the structures below match).</summary>
    public static bool Supported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64 && sizeof(MMsgHdr) == 64;

    /// <summary>Makes <paramref name="socket"/> blocking with a receive timeout, so a blocked receive returns to check for cancellation.</summary>
    public static void PrepareSocket(Socket socket, TimeSpan receiveTimeout)
    {
        const int SolSocket = 1;
        const int SoRcvTimeo = 20;
        socket.Blocking = true;
        Span<long> timeval = [(long)receiveTimeout.TotalSeconds, receiveTimeout.Microseconds + (receiveTimeout.Milliseconds * 1000)];
        socket.SetRawSocketOption(SolSocket, SoRcvTimeo, MemoryMarshal.AsBytes(timeval));
    }

    /// <summary>Outcome of one receive call.</summary>
    public enum ReceiveStatus
    {
        Received,
        TimedOut,
        Closed,
        Failed,
    }

    /// <summary>
    /// Waits for at least one datagram and takes up to <see cref="Batch"/>; <paramref name="count"/> says how many.
    /// With <paramref name="wait"/> false it takes only what is queued and answers <see cref="ReceiveStatus.TimedOut"/>
    /// at once when nothing is.
    /// </summary>
    public ReceiveStatus Receive(int fd, out int count, out int error, bool wait = true)
    {
        for (int i = 0; i < Batch; i++)
        {
            _recv[i].Header.NameLength = AddressSlot;
            _recv[i].Header.Flags = 0;
            _recv[i].Length = 0;
        }

        count = recvmmsg(fd, _recv, Batch, wait ? MsgWaitForOne : MsgDontWait, null);
        if (count >= 0)
        {
            error = 0;
            return ReceiveStatus.Received;
        }

        error = Marshal.GetLastPInvokeError();
        count = 0;
        return error switch
        {
            Eagain or Eintr => ReceiveStatus.TimedOut,
            Ebadf => ReceiveStatus.Closed,
            _ => ReceiveStatus.Failed,
        };
    }

    /// <summary>The <paramref name="index"/>th datagram of the last receive, or empty when the kernel had to cut it short.</summary>
    public ReadOnlySpan<byte> Request(int index) =>
        (_recv[index].Header.Flags & MsgTrunc) != 0 ? default : new ReadOnlySpan<byte>(_requests + (index * RequestSlot), (int)Math.Min(_recv[index].Length, RequestSlot));

    /// <summary>The sender's socket address (sockaddr_in or sockaddr_in6 bytes).</summary>
    public ReadOnlySpan<byte> Address(int index) =>
        new(_addresses + (index * AddressSlot), (int)Math.Min(_recv[index].Header.NameLength, AddressSlot));

    /// <summary>Where the answer to the <paramref name="index"/>th datagram is written.</summary>
    public Span<byte> Response(int index) => new(_responses + (index * _responseSlot), _responseSlot);

    /// <summary>
    /// Sends the answers: <paramref name="lengths"/>[i] bytes of <see cref="Response"/>(i) to <see cref="Address"/>(i),
    /// skipping zero lengths (dropped queries). A datagram the kernel refuses is skipped; UDP has no one to tell.
    /// </summary>
    public void Send(int fd, ReadOnlySpan<int> lengths)
    {
        int m = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            if (lengths[i] <= 0)
            {
                continue;
            }

            _sendIov[m].Base = _responses + (i * _responseSlot);
            _sendIov[m].Length = (nuint)lengths[i];
            _send[m].Header.Name = _recv[i].Header.Name;
            _send[m].Header.NameLength = _recv[i].Header.NameLength;
            _send[m].Header.Flags = 0;
            m++;
        }

        int sent = 0;
        while (sent < m)
        {
            int n = sendmmsg(fd, _send + sent, (uint)(m - sent), 0);
            if (n > 0)
            {
                sent += n;
            }
            else if (n < 0 && Marshal.GetLastPInvokeError() == Eintr)
            {
                continue;
            }
            else
            {
                sent++;
            }
        }
    }

    public void Dispose()
    {
        NativeMemory.Free(_recv);
        NativeMemory.Free(_send);
        NativeMemory.Free(_recvIov);
        NativeMemory.Free(_sendIov);
        NativeMemory.Free(_requests);
        NativeMemory.Free(_responses);
        NativeMemory.Free(_addresses);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int recvmmsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sendmmsg(int fd, MMsgHdr* messages, uint count, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr: the header and the number of bytes received or sent.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
