using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Speedera.Core.Security;
using Speedera.Web.Data;
using Speedera.Web.Hosting;

namespace Speedera.Web.Features.Incidents;

/// <summary>
/// Posts queued webhook deliveries with <see cref="Notifier.SignatureHeader"/>; a failure (no answer, non-2xx) is
/// retried with exponential backoff. Every connection passes the target guard at connect time (the URL's name may
/// resolve anywhere later).
/// </summary>
public sealed partial class WebhookDispatcher : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    private readonly IOptions<AlertOptions> _options;
    private readonly WebhookSignal _signal;
    private readonly TimeProvider _time;
    private readonly IDataProtector _protector;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly HttpClient _client;

    public WebhookDispatcher(IServiceScopeFactory scopes, IOptions<AlertOptions> options, IOptions<SpeederaOptions> speedera, WebhookSignal signal,
        TimeProvider time, IDataProtectionProvider protection, ILogger<WebhookDispatcher> logger)
    {
        _scopes = scopes;
        _options = options;
        _signal = signal;
        _time = time;
        _protector = Notifier.Protector(protection);
        _logger = logger;
        var guard = new NetworkTargetGuard(speedera.Value.Security.AllowPrivateTargets);
        _client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var addresses = IPAddress.TryParse(context.DnsEndPoint.Host, out var literal)
                    ? [literal]
                    : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
                foreach (var address in addresses)
                {
                    if (guard.Check(address) is { Allowed: false } refused)
                    {
                        throw new HttpRequestException($"Webhook target {address} refused: {refused.Reason}");
                    }
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { Timeout = TimeSpan.FromSeconds(10) };
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DeliverDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDispatchFailed(_logger, ex);
            }

            try
            {
                await _signal.WaitAsync(TimeSpan.FromSeconds(1), _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SpeederaDbContext>();
        var o = _options.Value;
        var now = _time.GetUtcNow().UtcDateTime;
        var due = await db.WebhookDeliveries
            .Where(d => d.DeliveredAt == null && d.Attempts < o.WebhookMaxAttempts && d.NextAttemptAt <= now)
            .OrderBy(d => d.NextAttemptAt).Take(50).ToListAsync(cancellationToken);
        var endpoints = await db.WebhookEndpoints.AsNoTracking().ToDictionaryAsync(e => e.Id, cancellationToken);
        var delivered = 0;
        foreach (var delivery in due)
        {
            delivery.Attempts++;
            if (!endpoints.TryGetValue(delivery.EndpointId, out var endpoint) || !endpoint.Enabled)
            {
                delivery.Attempts = o.WebhookMaxAttempts;
                delivery.LastError = "Endpoint removed or disabled.";
                continue;
            }

            try
            {
                var secret = _protector.Unprotect(endpoint.ProtectedSecret);
                var unix = _time.GetUtcNow().ToUnixTimeSeconds();
                using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
                {
                    Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add(Notifier.SignatureHeader, Notifier.Sign(secret, unix, delivery.Payload));
                request.Headers.Add(Notifier.EventHeader, delivery.EventType);
                request.Headers.Add("X-Speedera-Delivery", delivery.Id.ToString());
                using var response = await _client.SendAsync(request, cancellationToken);
                delivery.LastStatus = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
                }

                delivery.DeliveredAt = _time.GetUtcNow().UtcDateTime;
                delivery.LastError = null;
                delivered++;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Security.Cryptography.CryptographicException or IOException or SocketException)
            {
                delivery.LastError = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
                var backoff = TimeSpan.FromTicks(Math.Min(o.WebhookMaxBackoff.Ticks, o.WebhookFirstBackoff.Ticks * (1L << Math.Min(20, delivery.Attempts - 1))));
                delivery.NextAttemptAt = _time.GetUtcNow().UtcDateTime + backoff;
                LogAttemptFailed(_logger, delivery.Id, delivery.Attempts, delivery.LastError);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        return delivered;
    }

    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 4511, Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} attempt {Attempt} failed: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, Guid deliveryId, int attempt, string error);

    [LoggerMessage(EventId = 4512, Level = LogLevel.Error, Message = "Webhook dispatch failed")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);
}
