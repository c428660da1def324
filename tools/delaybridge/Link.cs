using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Speedera.Tools.DelayBridge;

/// <summary>One end of a link: a TUN device moved into a namespace with a point-to-point address.</summary>
internal sealed record LinkEnd(string Namespace, string Device, string Address);

/// <summary>
/// A delayed point-to-point link between two namespaces: two TUN devices in the root namespace,
/// each moved into its namespace (the open descriptors keep working), and two forwarding
/// directions that hold every packet for the one-way delay before writing it to the other side.
/// </summary>
internal sealed class Link : IDisposable
{
    private readonly Tun _a;
    private readonly Tun _b;
    private readonly List<Thread> _threads = [];
    private long _delayTicks;
    private long _forwarded;
    private volatile bool _stopping;

    public Link(string name, LinkEnd a, LinkEnd b, TimeSpan delay)
    {
        Name = name;
        A = a;
        B = b;
        Delay = delay;
        _a = Tun.Open(a.Device);
        try
        {
            _b = Tun.Open(b.Device);
        }
        catch
        {
            _a.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public LinkEnd A { get; }

    public LinkEnd B { get; }

    public long Forwarded => Interlocked.Read(ref _forwarded);

    /// <summary>One-way delay; may be changed while packets flow (new packets take the new value).</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, Math.Max(0, value.Ticks));
    }

    /// <summary>Moves each device into its namespace, gives it its address and brings it up.</summary>
    public void Configure()
    {
        foreach (var (end, peer) in new[] { (A, B), (B, A) })
        {
            Ip($"link set {end.Device} netns {end.Namespace}");
            Ip($"-n {end.Namespace} addr add {end.Address} peer {peer.Address} dev {end.Device}");
            Ip($"-n {end.Namespace} link set {end.Device} up");
            Ip($"-n {end.Namespace} link set lo up");
        }
    }

    public void Start()
    {
        StartDirection(_a, _b, $"{Name}:a->b");
        StartDirection(_b, _a, $"{Name}:b->a");
    }

    public void Dispose()
    {
        _stopping = true;
        _a.Dispose();
        _b.Dispose();
    }

    private void StartDirection(Tun from, Tun to, string name)
    {
        var queue = new BlockingCollection<(long Due, byte[] Packet)>(new ConcurrentQueue<(long, byte[])>(), 100_000);
        var reader = new Thread(() =>
        {
            var buffer = new byte[65536];
            while (!_stopping)
            {
                int n;
                try
                {
                    n = from.Read(buffer);
                }
                catch (IOException)
                {
                    break;
                }

                if (n <= 0)
                {
                    break;
                }

                var due = Stopwatch.GetTimestamp() + (long)(Delay.Ticks * (Stopwatch.Frequency / (double)TimeSpan.TicksPerSecond));

                // A full queue drops the packet, as an overloaded link would.
                queue.TryAdd((due, buffer.AsSpan(0, n).ToArray()));
            }

            queue.CompleteAdding();
        }) { IsBackground = true, Name = name + ":read" };
        var writer = new Thread(() =>
        {
            foreach (var (due, packet) in queue.GetConsumingEnumerable())
            {
                // FIFO: a packet never overtakes an earlier one, even when the delay is lowered.
                WaitUntil(due);
                if (_stopping)
                {
                    break;
                }

                to.Write(packet);
                Interlocked.Increment(ref _forwarded);
            }
        }) { IsBackground = true, Name = name + ":write" };
        _threads.Add(reader);
        _threads.Add(writer);
        reader.Start();
        writer.Start();
    }

    private static void WaitUntil(long timestamp)
    {
        while (true)
        {
            var remaining = timestamp - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }

            var ms = remaining * 1000 / Stopwatch.Frequency;
            if (ms > 1)
            {
                Thread.Sleep((int)(ms - 1));
            }
            else
            {
                Thread.SpinWait(50);
            }
        }
    }

    private static void Ip(string args)
    {
        using var p = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardError = true })!;
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {args} failed: {error.Trim()}");
        }
    }

    public static TimeSpan ParseDelay(string text) =>
        TimeSpan.FromMilliseconds(double.Parse(text.TrimEnd('m', 's'), NumberStyles.Float, CultureInfo.InvariantCulture));
}
