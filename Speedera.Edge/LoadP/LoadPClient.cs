using System.Net;
using System.Net.Sockets;
using System.Text;
using Speedera.Core.Probes;

namespace Speedera.Edge.LoadP;

/// <summary>The probe side of LOADP: one connection, one request, one bounded response.</summary>
public static class LoadPClient
{
    /// <summary>
    /// Asks the agent at <paramref name="endpoint"/> for its figures. Returns null figures with an
    /// error text when the agent answered but could not report; throws on connection failure or
    /// timeout (the caller's token).
    /// </summary>
    public static async Task<(LoadFigures? Figures, string? Error)> QueryAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        return await QueryAsync(socket, endpoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="QueryAsync(IPEndPoint, CancellationToken)"/> over a caller-made, unconnected socket.</summary>
    public static async Task<(LoadFigures? Figures, string? Error)> QueryAsync(Socket socket, IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        socket.NoDelay = true;
        await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return await QueryConnectedAsync(socket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="QueryAsync(IPEndPoint, CancellationToken)"/> over a socket already connected (through the target guard).</summary>
    public static async Task<(LoadFigures? Figures, string? Error)> QueryConnectedAsync(Socket socket, CancellationToken cancellationToken)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(LoadPProtocol.Request + "\n"), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[LoadPProtocol.MaxResponseBytes];
        var length = 0;
        while (length < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            length += n;
            if (length >= 2 && buffer[length - 1] == '\n' && buffer[length - 2] == '\n')
            {
                break;
            }
        }

        var text = Encoding.ASCII.GetString(buffer, 0, length);
        return LoadPProtocol.TryParseResponse(text, out var figures, out var error) ? (figures, null) : (null, error);
    }
}
