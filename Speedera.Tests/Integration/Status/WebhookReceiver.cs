using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Speedera.Tests.Integration.Status;

/// <summary>
/// A loopback HTTP receiver for alert webhooks that checks each delivery's HMAC signature the way a customer's
/// endpoint would; it can refuse the first N deliveries to exercise the sender's retries.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _refuse;

    public WebhookReceiver(int refuseFirst = 0)
    {
        _refuse = refuseFirst;
        Port = Integration.ConfigPush.ControlPlaneHost.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks/noc";

    public string? Secret { get; set; }

    public ConcurrentQueue<(string Event, string Body, bool SignatureValid, DateTimeOffset At)> Received { get; } = new();

    public int Refused;

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Decrement(ref _refuse) >= 0)
            {
                Interlocked.Increment(ref Refused);
                context.Response.StatusCode = 503;
                context.Response.Close();
                continue;
            }

            var valid = Verify(context.Request.Headers["X-Speedera-Signature"], body);
            Received.Enqueue((context.Request.Headers["X-Speedera-Event"] ?? "", body, valid, DateTimeOffset.UtcNow));
            context.Response.StatusCode = valid ? 204 : 401;
            context.Response.Close();
        }
    }

    /// <summary>Recomputes HMAC-SHA256 over "t.body" with the secret and compares in constant time.</summary>
    private bool Verify(string? header, string body)
    {
        if (Secret is null || header is null)
        {
            return false;
        }

        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1))
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        try
        {
            return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(v1));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }
    }
}
