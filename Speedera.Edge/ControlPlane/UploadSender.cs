using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Speedera.Core.ControlPlane;
using Speedera.Edge.Hosting;
using Speedera.Edge.Telemetry;

namespace Speedera.Edge.ControlPlane;

/// <summary>
/// Drains the upload spool: each closed segment is sent in batches to
/// <c>POST /api/edge/v1/uploads/{kind}</c> and deleted once every batch is acknowledged. The
/// control plane ignores sequence numbers it has seen, so a resend after a lost answer is harmless.
/// </summary>
public sealed partial class UploadSender(
    EdgeOptions options,
    ControlPlaneConnection connection,
    SpoolingEdgeUploader spool,
    TimeProvider time,
    ILogger<UploadSender> logger) : BackgroundService
{
    internal const int MaxRecordsPerBatch = 500;
    private static readonly byte[] Comma = [(byte)','];
    private bool _failing;

    private readonly ResiliencePipeline<bool> _retry = ControlPlaneRetry.Create<bool>(options.RetryDelay, time, outcome => !outcome.Result);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // A failed drain is retried with backoff; the spool keeps the records meanwhile.
                await _retry.ExecuteAsync(static (sender, ct) => new ValueTask<bool>(sender.DrainOnceAsync(ct)), this, stoppingToken).ConfigureAwait(false);
                await Task.Delay(options.UploadInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Sends everything spooled so far; false when the control plane could not take it.</summary>
    internal async Task<bool> DrainOnceAsync(CancellationToken cancellationToken)
    {
        foreach (var kind in spool.Kinds())
        {
            foreach (var segment in spool.TakeSegments(kind))
            {
                var lines = SpoolingEdgeUploader.ReadSegmentLines(segment);
                for (var i = 0; i < lines.Count; i += MaxRecordsPerBatch)
                {
                    if (!await SendBatchAsync(kind, lines.GetRange(i, Math.Min(MaxRecordsPerBatch, lines.Count - i)), cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }
                }

                spool.Acknowledge(segment, lines.Count);
            }
        }

        return true;
    }

    private async Task<bool> SendBatchAsync(string kind, List<byte[]> records, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new ByteArrayContent(BuildBody(kind, records));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await connection.Client.PostAsync(EdgeApi.UploadsPath(kind), content, timeout.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var ack = await response.Content.ReadFromJsonAsync(EdgeApiJsonContext.Default.UploadAck, timeout.Token).ConfigureAwait(false);
            if (ack is null || ack.Accepted + ack.Duplicates != records.Count)
            {
                LogBadAck(logger, kind, records.Count);
                CountBatch(kind, "failed");
                return false;
            }

            CountBatch(kind, "accepted");
            EdgeTelemetry.UploadRows.Add(records.Count, new KeyValuePair<string, object?>("upload.kind", kind));

            if (_failing)
            {
                _failing = false;
                LogResumed(logger);
            }

            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or IOException or System.Text.Json.JsonException)
        {
            if (!_failing)
            {
                _failing = true;
                LogUploadFailed(logger, kind, ex.Message, spool.PendingCount);
            }

            CountBatch(kind, "failed");
            return false;
        }
    }

    private static void CountBatch(string kind, string outcome) =>
        EdgeTelemetry.UploadBatches.Add(1, new KeyValuePair<string, object?>("upload.kind", kind), new KeyValuePair<string, object?>("outcome", outcome));

    private byte[] BuildBody(string kind, List<byte[]> records)
    {
        using var stream = new MemoryStream();
        stream.Write(Encoding.UTF8.GetBytes($"{{\"nodeId\":{System.Text.Json.JsonSerializer.Serialize(options.NodeId, EdgeApiJsonContext.Default.String)},\"kind\":\"{kind}\",\"records\":["));
        for (var i = 0; i < records.Count; i++)
        {
            if (i > 0)
            {
                stream.Write(Comma);
            }

            stream.Write(records[i]);
        }

        stream.Write("]}"u8);
        return stream.ToArray();
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Upload of {Kind} failed: {Error}; {Pending} record(s) stay spooled")]
    private static partial void LogUploadFailed(ILogger logger, string kind, string error, long pending);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Uploads resumed")]
    private static partial void LogResumed(ILogger logger);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Control plane acknowledged a {Kind} batch of {Count} records with a wrong count; keeping it spooled")]
    private static partial void LogBadAck(ILogger logger, string kind, int count);
}
