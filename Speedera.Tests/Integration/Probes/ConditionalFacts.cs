using System.Diagnostics;

namespace Speedera.Tests.Integration.Probes;

/// <summary>Skips (with the reason) when vsftpd is not installed; xunit 2 has no dynamic skip.</summary>
public sealed class VsftpdFactAttribute : FactAttribute
{
    public VsftpdFactAttribute()
    {
        if (!File.Exists(VsftpdServer.Binary))
        {
            Skip = $"{VsftpdServer.Binary} is not installed (Debian package vsftpd)";
        }
    }
}

/// <summary>Skips when this process may not open raw ICMP sockets (needs root or CAP_NET_RAW).</summary>
public sealed class RawSocketFactAttribute : FactAttribute
{
    public RawSocketFactAttribute()
    {
        try
        {
            using var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Raw, System.Net.Sockets.ProtocolType.Icmp);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            Skip = $"raw ICMP sockets are not allowed here ({ex.SocketErrorCode}); run as root or with CAP_NET_RAW";
        }
    }
}

/// <summary>
/// Skips when network namespaces cannot be created or /dev/net/tun is missing, saying which.
/// Checked once per test run by creating and deleting a namespace.
/// </summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Reason = new(Check);

    public NetnsFactAttribute()
    {
        if (Reason.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Check()
    {
        if (!File.Exists("/dev/net/tun"))
        {
            return "/dev/net/tun is missing: the delay bridge needs TUN devices";
        }

        var name = $"spdprobechk{Environment.ProcessId}";
        var (code, output) = Run("ip", $"netns add {name}");
        if (code != 0)
        {
            return $"`ip netns add` failed ({output.Trim()}): namespaces need root/CAP_SYS_ADMIN";
        }

        Run("ip", $"netns del {name}");
        return null;
    }

    internal static (int Code, string Output) Run(string file, string args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
