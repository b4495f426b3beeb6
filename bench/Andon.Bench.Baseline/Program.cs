using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

// B1: the least a .NET broadcast server does with Andon's frames. In-memory rooms with a counter,
// one writer loop per connection over a bounded queue (a client that stops reading is aborted),
// each broadcast serialised once. No authentication, no storage: a floor for Andon's hub.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
var rooms = new ConcurrentDictionary<string, Room>(StringComparer.Ordinal);
app.MapGet("/health/ready", () => "ok");
app.Map("/ws/{room}", async (HttpContext context, string room) =>
{
    if (!context.WebSockets.IsWebSocketRequest)
    {
        context.Response.StatusCode = 400;
        return;
    }

    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    var state = rooms.GetOrAdd(room, id => new Room(id));
    var connection = new Peer(socket);
    long lastSeq;
    lock (state)
    {
        lastSeq = state.Seq;
        state.Peers.Add(connection);
    }

    connection.Send(Wire.Hello(room, lastSeq));
    var writer = connection.RunWriterAsync();
    try
    {
        await ReceiveAsync(socket, connection, state);
    }
    catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
    {
    }
    finally
    {
        lock (state)
        {
            state.Peers.Remove(connection);
        }

        connection.Complete();
        await writer;
    }
});
app.Run();

static async Task ReceiveAsync(WebSocket socket, Peer me, Room room)
{
    var buffer = new byte[16 * 1024];
    var length = 0;
    while (socket.State == WebSocketState.Open)
    {
        if (length == buffer.Length)
        {
            Array.Resize(ref buffer, buffer.Length * 2);
        }

        var result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            return;
        }

        length += result.Count;
        if (!result.EndOfMessage)
        {
            continue;
        }

        using (var document = JsonDocument.Parse(buffer.AsMemory(0, length)))
        {
            var root = document.RootElement;
            if (root.TryGetProperty("type", out var type) && type.ValueEquals("message"))
            {
                var clientId = root.GetProperty("client_id").GetString() ?? "";
                var messageId = Guid.NewGuid();
                var now = DateTimeOffset.UtcNow;
                lock (room)
                {
                    var seq = ++room.Seq;
                    me.Send(Wire.Ack(clientId, messageId, seq, now));
                    var frame = Wire.Message(room.Id, messageId, seq, root, now);
                    foreach (var peer in room.Peers)
                    {
                        peer.Send(frame);
                    }
                }
            }
        }

        length = 0;
    }
}

internal sealed class Room(string id)
{
    public string Id { get; } = id;

    public long Seq { get; set; }

    public List<Peer> Peers { get; } = [];
}

internal sealed class Peer(WebSocket socket)
{
    private readonly Channel<byte[]> outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { SingleReader = true });

    public void Send(byte[] frame)
    {
        if (!outgoing.Writer.TryWrite(frame))
        {
            outgoing.Writer.TryComplete();
            socket.Abort();
        }
    }

    public void Complete() => outgoing.Writer.TryComplete();

    public async Task RunWriterAsync()
    {
        try
        {
            await foreach (var frame in outgoing.Reader.ReadAllAsync())
            {
                await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}

internal static class Wire
{
    public static byte[] Hello(string room, long lastSeq) => Write(w =>
    {
        w.WriteString("type", "hello");
        w.WriteString("room_id", room);
        w.WriteString("user_id", "bench");
        w.WriteString("role", "editor");
        w.WriteNumber("last_seq", lastSeq);
        w.WriteStartArray("online");
        w.WriteEndArray();
    });

    public static byte[] Ack(string clientId, Guid messageId, long seq, DateTimeOffset at) => Write(w =>
    {
        w.WriteString("type", "ack");
        w.WriteString("client_id", clientId);
        w.WriteString("message_id", messageId);
        w.WriteNumber("sequence_number", seq);
        w.WriteString("created_at", at);
    });

    public static byte[] Message(string room, Guid messageId, long seq, JsonElement input, DateTimeOffset at) => Write(w =>
    {
        w.WriteString("type", "message");
        w.WriteStartObject("message");
        w.WriteString("message_id", messageId);
        w.WriteString("room_id", room);
        w.WriteNumber("sequence_number", seq);
        w.WriteString("sender_id", "bench");
        w.WriteString("sender_name", "bench");
        w.WriteString("message_type", input.TryGetProperty("message_type", out var type) ? type.GetString() : "text");
        w.WritePropertyName("content");
        (input.TryGetProperty("content", out var content) ? content : default).WriteTo(w);
        w.WriteStartArray("mentions");
        w.WriteEndArray();
        w.WriteNull("file_id");
        w.WriteNull("metadata");
        w.WriteStartObject("reactions");
        w.WriteEndObject();
        w.WriteString("created_at", at);
        w.WriteNull("edited_at");
        w.WriteNull("deleted_at");
        w.WriteEndObject();
    });

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
