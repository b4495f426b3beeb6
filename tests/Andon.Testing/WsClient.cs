using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Andon.Testing;

/// <summary>A real WebSocket client of the room protocol: it keeps every frame it receives, in order.</summary>
public sealed class WsClient : IAsyncDisposable
{
    private readonly ClientWebSocket socket = new();
    private readonly Channel<JsonElement> frames = Channel.CreateUnbounded<JsonElement>();
    private readonly CancellationTokenSource stop = new();
    private Task receiving = Task.CompletedTask;

    private WsClient()
    {
    }

    public List<JsonElement> Received { get; } = [];

    public WebSocketCloseStatus? CloseStatus => socket.CloseStatus;

    public WebSocketState State => socket.State;

    /// <summary>Connects; a refused upgrade throws <see cref="WsRefusedException"/> with the HTTP status.</summary>
    public static async Task<WsClient> ConnectAsync(Uri server, Guid roomId, string? bearer = null, long? lastSeq = null, string? cookie = null, string? origin = null)
    {
        var client = new WsClient();
        client.socket.Options.CollectHttpResponseDetails = true;
        if (bearer is not null)
        {
            client.socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        }

        if (cookie is not null)
        {
            client.socket.Options.SetRequestHeader("Cookie", cookie);
        }

        if (origin is not null)
        {
            client.socket.Options.SetRequestHeader("Origin", origin);
        }

        var uri = new UriBuilder(server) { Scheme = server.Scheme == "https" ? "wss" : "ws", Path = $"/ws/{roomId}", Query = lastSeq is null ? "" : $"last_seq={lastSeq}" }.Uri;
        try
        {
            await client.socket.ConnectAsync(uri, CancellationToken.None);
        }
        catch (WebSocketException) when (client.socket.HttpStatusCode != HttpStatusCode.SwitchingProtocols)
        {
            var status = client.socket.HttpStatusCode;
            client.socket.Dispose();
            throw new WsRefusedException(status);
        }

        client.receiving = client.ReceiveLoop();
        return client;
    }

    public Task SendJsonAsync(object frame) => SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(frame));

    public async Task SendRawAsync(byte[] bytes, WebSocketMessageType type = WebSocketMessageType.Text) =>
        await socket.SendAsync(bytes, type, true, CancellationToken.None);

    public Task SendMessageAsync(string clientId, string content, string messageType = "text") =>
        SendJsonAsync(new { type = "message", client_id = clientId, message_type = messageType, content });

    /// <summary>The next frame (in arrival order) that matches; frames before it stay in <see cref="Received"/>.</summary>
    public async Task<JsonElement> NextAsync(Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var frame = await frames.Reader.ReadAsync(cancel.Token);
                if (match is null || match(frame))
                {
                    return frame;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No matching frame arrived. Received:\n" + Summary());
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"The connection closed ({socket.CloseStatus}) before a matching frame. Received:\n" + Summary());
        }
    }

    public Task<JsonElement> NextOfTypeAsync(string type, TimeSpan? timeout = null) =>
        NextAsync(f => f.GetProperty("type").GetString() == type, timeout);

    /// <summary>How many frames received so far match (counted under the receiving loop's lock).</summary>
    public int Count(Func<JsonElement, bool> match)
    {
        lock (Received)
        {
            return Received.Count(match);
        }
    }

    /// <summary>How many received frames match, once <paramref name="expected"/> have come or <paramref name="timeout"/> has passed.</summary>
    public async Task<int> CountAsync(Func<JsonElement, bool> match, int expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var count = Count(match);
            if (count >= expected || DateTime.UtcNow >= deadline)
            {
                return count;
            }

            await Task.Delay(50);
        }
    }

    private string Summary()
    {
        lock (Received)
        {
            return string.Join('\n', Received.Select(f => f.GetRawText() is { Length: > 300 } long_ ? long_[..300] + "…" : f.GetRawText()));
        }
    }

    /// <summary>Waits until the server closes the connection.</summary>
    public async Task<WebSocketCloseStatus?> ClosedAsync(TimeSpan? timeout = null)
    {
        await receiving.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));
        return socket.CloseStatus;
    }

    /// <summary>Drops the connection without a close handshake, as a lost network would.</summary>
    public void Drop() => socket.Abort();

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // Gone already.
            }
        }

        socket.Dispose();
        stop.Dispose();
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    var frame = JsonDocument.Parse(Encoding.UTF8.GetString(message.ToArray())).RootElement.Clone();
                    lock (Received)
                    {
                        Received.Add(frame);
                    }

                    frames.Writer.TryWrite(frame);
                    message.SetLength(0);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed.
        }
        finally
        {
            frames.Writer.TryComplete();
        }
    }
}

public sealed class WsRefusedException(HttpStatusCode status) : Exception($"The WebSocket upgrade was refused with {(int)status}.")
{
    public HttpStatusCode Status { get; } = status;
}
