using System.Net.Sockets;

namespace Speedera.Edge.Probe;

/// <summary>
/// Creates the sockets a probe measures with. The default makes ordinary sockets; a deployment
/// can bind probes to a VRF or network namespace, and the namespace tests create each POP's
/// sockets inside that POP's namespace.
/// </summary>
public delegate Socket SocketFactory(AddressFamily family, SocketType type, ProtocolType protocol);

internal static class SocketFactories
{
    public static SocketFactory Default { get; } = static (family, type, protocol) => new Socket(family, type, protocol);
}
