using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Speedera.Tests.Integration.Probes;

/// <summary>
/// A real HTTP and HTTPS origin (Kestrel) on 127.0.0.1 with ephemeral ports and a self-signed
/// certificate. "/" answers "hello speedera"; "/slow" waits 5 s; "/status/{code}" answers that code.
/// Counts the distinct connections it served, to show the probe never reuses one.
/// </summary>
internal sealed class LoopbackOrigin : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HashSet<string> _connections = [];
    private readonly Lock _lock = new();
    private int _requests;

    private LoopbackOrigin(WebApplication app) => _app = app;

    public int HttpPort { get; private set; }

    public int HttpsPort { get; private set; }

    public int Requests => Volatile.Read(ref _requests);

    public int DistinctConnections
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    public static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=origin.test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("origin.test");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    public static async Task<LoopbackOrigin> StartAsync(IPAddress? address = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var cert = CreateCertificate();
        var bind = address ?? IPAddress.Loopback;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(bind, 0);
            k.Listen(bind, 0, l => l.UseHttps(cert));
        });
        var app = builder.Build();
        var origin = new LoopbackOrigin(app);
        app.Use(async (ctx, next) =>
        {
            Interlocked.Increment(ref origin._requests);
            lock (origin._lock)
            {
                origin._connections.Add(ctx.Connection.Id);
            }

            await next(ctx);
        });
        app.MapGet("/", () => "hello speedera");
        app.MapGet("/slow", async (CancellationToken ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            return "late";
        });
        app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        origin.HttpPort = new Uri(addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal))).Port;
        origin.HttpsPort = new Uri(addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal))).Port;
        return origin;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
