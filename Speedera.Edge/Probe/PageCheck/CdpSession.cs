using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Speedera.Edge.Probe.PageCheck;

/// <summary>
/// A Chrome DevTools Protocol connection over the browser's WebSocket: commands with ids and their answers, and events
/// (with the flat session id of the page they belong to) to one synchronous handler, in the order the browser sent them;
/// the handler must not wait for a command's answer (the reader delivers it).
/// </summary>
internal sealed class CdpSession : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly SemaphoreSlim _send = new(1);
    private readonly CancellationTokenSource _stop = new();
    private Action<string, JsonObject, string?>? _onEvent;
    private Task? _reader;
    private int _nextId;

    public static async Task<CdpSession> ConnectAsync(Uri webSocket, Action<string, JsonObject, string?> onEvent, CancellationToken cancellationToken)
    {
        var session = new CdpSession { _onEvent = onEvent };
        session._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await session._socket.ConnectAsync(webSocket, cancellationToken).ConfigureAwait(false);
        session._reader = Task.Run(session.ReadLoopAsync, CancellationToken.None);
        return session;
    }

    public async Task<JsonObject> SendAsync(string method, JsonObject? parameters, string? sessionId, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (sessionId is not null)
        {
            message["sessionId"] = sessionId;
        }

        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _send.Release();
        }

        using (cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken)))
        {
            var result = await answer.Task.ConfigureAwait(false);
            if (result["error"] is JsonObject error)
            {
                throw new IOException($"Chromium refused {method}: {error["message"]}");
            }

            return result["result"] as JsonObject ?? [];
        }
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.GetBuffer().AsSpan(0, (int)message.Length)) as JsonObject;
                message.SetLength(0);
                if (node is null)
                {
                    continue;
                }

                if (node["id"] is JsonValue idValue && _pending.TryRemove(idValue.GetValue<int>(), out var waiter))
                {
                    waiter.TrySetResult(node);
                }
                else if (node["method"]?.GetValue<string>() is { } method && _onEvent is not null)
                {
                    _onEvent(method, node["params"] as JsonObject ?? [], node["sessionId"]?.GetValue<string>());
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or JsonException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            foreach (var waiter in _pending.Values)
            {
                waiter.TrySetException(new IOException("The connection to Chromium ended."));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_reader is not null)
        {
            await _reader.ConfigureAwait(false);
        }

        _socket.Dispose();
        _stop.Dispose();
        _send.Dispose();
    }
}
