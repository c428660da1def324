using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Speedera.Tests.Integration.Probes;

/// <summary>vsftpd on a loopback port with its own configuration, when it is installed.</summary>
internal sealed class VsftpdServer : IDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _dir;

    private VsftpdServer(Process process, DirectoryInfo dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public const string Binary = "/usr/sbin/vsftpd";

    public int Port { get; }

    public static async Task<VsftpdServer?> TryStartAsync()
    {
        if (!File.Exists(Binary))
        {
            return null;
        }

        var dir = Directory.CreateTempSubdirectory("speedera-vsftpd-");
        var empty = Directory.CreateDirectory(Path.Combine(dir.FullName, "empty"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(empty.FullName, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        var port = FreeTcpPort();
        var conf = Path.Combine(dir.FullName, "vsftpd.conf");
        await File.WriteAllTextAsync(conf, $"""
            listen=YES
            listen_ipv6=NO
            listen_address=127.0.0.1
            listen_port={port}
            background=NO
            anonymous_enable=YES
            anon_root={empty.FullName}
            no_anon_password=YES
            local_enable=NO
            write_enable=NO
            seccomp_sandbox=NO
            secure_chroot_dir={empty.FullName}
            xferlog_enable=NO

            """);
        var process = Process.Start(new ProcessStartInfo(Binary, conf) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var server = new VsftpdServer(process, dir, port);
        for (var i = 0; i < 50; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        server.Dispose();
        return null;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
        _dir.Delete(recursive: true);
    }

    internal static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A scripted TCP responder: sends a greeting, records what it got, then closes.</summary>
internal sealed class ScriptedTcpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _loop;
    private readonly Lock _lock = new();
    private readonly List<string> _received = [];

    public ScriptedTcpServer(string greeting, TimeSpan? delayBeforeGreeting = null)
    {
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (!_cts.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_cts.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    using var _ = socket;
                    try
                    {
                        if (delayBeforeGreeting is { } d)
                        {
                            await Task.Delay(d, _cts.Token);
                        }

                        await socket.SendAsync(Encoding.ASCII.GetBytes(greeting), SocketFlags.None, _cts.Token);
                        var buffer = new byte[256];
                        using var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
                        readTimeout.CancelAfter(TimeSpan.FromSeconds(2));
                        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, readTimeout.Token);
                        lock (_lock)
                        {
                            _received.Add(Encoding.ASCII.GetString(buffer, 0, n));
                        }
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or SocketException)
                    {
                    }
                });
            }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<string> Received
    {
        get
        {
            lock (_lock)
            {
                return [.. _received];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        _listener.Stop();
        await _loop;
        _cts.Dispose();
    }
}
