using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;

namespace Codegen.Tests.Explain;

/// <summary>
/// A connection to one page of a browser over the Chrome DevTools protocol (JSON messages on a WebSocket):
/// commands with their replies, and every event the page sends, kept in order for the test to read.
/// </summary>
internal sealed class DevToolsConnection : IAsyncDisposable
{
    private readonly ClientWebSocket socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> pending = new();
    private readonly List<(string Method, JsonElement Params)> events = new();
    private readonly CancellationTokenSource stop = new();
    private Task? receiving;
    private int nextId;

    /// <summary>Every event received so far, in order.</summary>
    public IReadOnlyList<(string Method, JsonElement Params)> Events
    {
        get
        {
            lock (events)
            {
                return events.ToArray();
            }
        }
    }

    public static async Task<DevToolsConnection> ConnectAsync(Uri page, CancellationToken cancellationToken)
    {
        var connection = new DevToolsConnection();
        connection.socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await connection.socket.ConnectAsync(page, cancellationToken);
        connection.receiving = Task.Run(connection.ReceiveLoop);
        return connection;
    }

    /// <summary>Sends a command and waits for its result.</summary>
    /// <exception cref="InvalidOperationException">The browser answered with an error.</exception>
    public async Task<JsonElement> SendAsync(string method, object? parameters, CancellationToken cancellationToken)
    {
        int id = Interlocked.Increment(ref nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = reply;
        byte[] message = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters ?? new { } });
        await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        using (cancellationToken.Register(() => reply.TrySetCanceled(cancellationToken)))
        {
            return await reply.Task;
        }
    }

    /// <summary>Waits until an event named <paramref name="method"/> has arrived.</summary>
    public async Task WaitForEventAsync(string method, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (events)
            {
                if (events.Exists(e => e.Method == method))
                {
                    return;
                }
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (WebSocketException)
        {
            // The browser may already be gone.
        }

        if (receiving is not null)
        {
            try
            {
                await receiving;
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
            }
        }

        socket.Dispose();
        stop.Dispose();
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[1 << 16];
        var message = new System.IO.MemoryStream();
        while (socket.State == WebSocketState.Open && !stop.IsCancellationRequested)
        {
            WebSocketReceiveResult result = await socket.ReceiveAsync(buffer, stop.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            message.Write(buffer, 0, result.Count);
            if (!result.EndOfMessage)
            {
                continue;
            }

            using (JsonDocument document = JsonDocument.Parse(message.ToArray()))
            {
                JsonElement root = document.RootElement.Clone();
                if (root.TryGetProperty("id", out JsonElement idElement) && pending.TryRemove(idElement.GetInt32(), out TaskCompletionSource<JsonElement>? reply))
                {
                    if (root.TryGetProperty("error", out JsonElement error))
                    {
                        reply.TrySetException(new InvalidOperationException($"DevTools error: {error}"));
                    }
                    else
                    {
                        reply.TrySetResult(root.GetProperty("result"));
                    }
                }
                else if (root.TryGetProperty("method", out JsonElement method))
                {
                    lock (events)
                    {
                        events.Add((method.GetString()!, root.TryGetProperty("params", out JsonElement p) ? p : default));
                    }
                }
            }

            message.SetLength(0);
        }
    }
}
