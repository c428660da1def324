using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Speedera.Core.ControlPlane;
using Speedera.Core.PageCheck;
using Speedera.Edge.ControlPlane;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// The probe role's page-check loop: long-polls the control plane for jobs of this node's POP (the control plane
/// claims a job for the node that receives it), runs them a few at a time, and spools each result as an upload, so
/// a result survives the control plane being down.
/// </summary>
public sealed partial class PageCheckWorker(
    HttpClient controlPlane,
    PageCheckAgent agent,
    IEdgeUploader uploader,
    string nodeId,
    PageCheckAgentOptions options,
    TimeSpan retryDelay,
    TimeProvider time,
    ILogger logger)
{
    private readonly SemaphoreSlim _slots = new(options.MaxConcurrentChecks);
    private readonly List<Task> _running = [];

    public long ChecksRun { get; private set; }

    public string? Problem { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ComponentFinder.Warm();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Only ask for work this node has room for.
                await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                _slots.Release();
                using var response = await controlPlane.GetAsync($"{EdgeApi.PageChecksPath}?{EdgeApi.WaitParameter}={(int)options.PollWait.TotalSeconds}&max={_slots.CurrentCount}", cancellationToken).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Problem = $"page checks: control plane answered {(int)response.StatusCode}";
                    await Task.Delay(retryDelay, time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                Problem = null;
                var jobs = await response.Content.ReadFromJsonAsync(PageCheckJson.Default.PageCheckJobArray, cancellationToken).ConfigureAwait(false) ?? [];
                foreach (var job in jobs)
                {
                    await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                    lock (_running)
                    {
                        _running.RemoveAll(t => t.IsCompleted);
                        _running.Add(RunOneAsync(job, cancellationToken));
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                Problem = "page checks: control plane unreachable";
                LogPollFailed(logger, ex.Message);
                try
                {
                    await Task.Delay(retryDelay, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        Task[] running;
        lock (_running)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private async Task RunOneAsync(PageCheckJob job, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            var result = await agent.RunAsync(job, nodeId, cancellationToken).ConfigureAwait(false);
            uploader.Enqueue(UploadKinds.PageCheckResults, result, PageCheckJson.Default.PageCheckLocationResult);
            ChecksRun++;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // One broken check must not stop the loop; the control plane shows the location as failed.
            LogCheckFailed(logger, job.CheckId, ex);
            var now = time.GetUtcNow();
            uploader.Enqueue(UploadKinds.PageCheckResults, new PageCheckLocationResult(job.CheckId, job.PopId, nodeId, now, now, "The agent failed: " + ex.Message, []), PageCheckJson.Default.PageCheckLocationResult);
        }
        finally
        {
            _slots.Release();
        }
    }

    [LoggerMessage(7111, LogLevel.Warning, "Could not poll page-check jobs: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string error);

    [LoggerMessage(7112, LogLevel.Error, "Page check {CheckId} failed in the agent")]
    private static partial void LogCheckFailed(ILogger logger, Guid checkId, Exception exception);
}
