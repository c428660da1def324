using System.Net.Http.Headers;
using Speedera.Core.ControlPlane;
using Speedera.Edge.Hosting;

namespace Speedera.Edge.ControlPlane;

/// <summary>The authenticated HTTP client every control-plane call goes through.</summary>
public sealed class ControlPlaneConnection : IDisposable
{
    public ControlPlaneConnection(EdgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var baseAddress = options.ControlPlane ?? throw new InvalidOperationException("No control plane configured.");
        Client = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseProxy = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            EdgeApi.AuthorizationScheme,
            EdgeApi.FormatAuthorization(options.NodeId, options.NodeKey ?? ""));
    }

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();
}
