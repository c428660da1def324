using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Speedera.Tests.Integration.Probes;

/// <summary>
/// A network namespace this test created (`ip netns add`), deleted on dispose. Sockets are made
/// inside it by a dedicated thread that entered the namespace with setns(2); a socket keeps its
/// namespace for life, so the rest of the test uses it from any thread. This lets one test
/// process run origins, probes and a dns node in several namespaces.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;

    private NetworkNamespace(string name)
    {
        Name = name;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{name}");
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns {name}: errno {Marshal.GetLastPInvokeError()}");
                }

                entered.SetResult();
            }
            catch (Exception ex)
            {
                entered.SetException(ex);
                return;
            }

            foreach (var work in _work.GetConsumingEnumerable())
            {
                work();
            }
        }) { IsBackground = true, Name = "netns " + name };
        _thread.Start();
        entered.Task.GetAwaiter().GetResult();
    }

    public string Name { get; }

    public static NetworkNamespace Create(string name)
    {
        Run("ip", $"netns del {name}", check: false);
        Run("ip", $"netns add {name}");
        Run("ip", $"-n {name} link set lo up");
        return new NetworkNamespace(name);
    }

    /// <summary>Runs <paramref name="func"/> on the thread inside the namespace.</summary>
    public T Invoke<T>(Func<T> func)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(func());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    public Socket CreateSocket(AddressFamily family, SocketType type, ProtocolType protocol) =>
        Invoke(() => new Socket(family, type, protocol));

    /// <summary>Runs `ip -n NAME ...`.</summary>
    public void Ip(string args) => Run("ip", $"-n {Name} {args}");

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
        Run("ip", $"netns del {Name}", check: false);
    }

    internal static void Run(string file, string args, bool check = true)
    {
        var (code, output) = NetnsFactAttribute.Run(file, args);
        if (check && code != 0)
        {
            throw new InvalidOperationException($"{file} {args} failed ({code}): {output.Trim()}");
        }
    }

    // DllImport rather than LibraryImport: the test project does not allow unsafe code.
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int setns(int fd, int nstype);
}
