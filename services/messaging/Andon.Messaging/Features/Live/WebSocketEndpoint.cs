using System.Buffers;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Andon.BuildingBlocks.Auth;
using Andon.BuildingBlocks.Errors;
using Andon.Messaging.Infrastructure.Hub;
using Andon.Messaging.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Andon.Messaging.Features.Live;

/// <summary>
/// <c>GET /ws/{room_id}[?last_seq=N]</c>: 401 / 403 / 404 before the upgrade; then <c>hello</c>, the
/// replay of what the client missed (or <c>resync_required</c>), and the frames of CONTRACT.md. Bad
/// frames get an <c>error</c> frame and the connection stays open.
/// </summary>
/// <remarks>
/// A socket may stay open for a shift, idle most of it: the database is used in short scopes of its
/// own (not the request's, which lives as long as the socket), and a receive buffer is rented only
/// while a frame is arriving (an idle socket waits with a zero-byte read).
/// </remarks>
public static class WebSocketEndpoint
{
    private const int MaxFrameBytes = 128 * 1024;
    private const int ReceiveBufferBytes = 16 * 1024;
    private const int MaxReplay = 1000;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 32 };

    public static IEndpointRouteBuilder MapWebSocketEndpoint(this IEndpointRouteBuilder app)
    {
        app.Map("/ws/{room_id}", Handle).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    private static async Task Handle(HttpContext context, IServiceScopeFactory scopes, RoomHub hub, RoomWriter writer, SendRateLimiter limiter, GapFiller gaps, IOptions<MessagingOptions> options, IHostApplicationLifetime lifetime, TimeProvider clock)
    {
        var user = context.User;
        var actor = new Actor(user.UserId(), user.DisplayName(), user.IsAdmin());
        Guid roomId;
        string role;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MessagingDb>();
            if (!Guid.TryParse(context.GetRouteValue("room_id") as string, out roomId)
                || await RoomLookups.RoomAsync(db, roomId, clock, context.RequestAborted) is null)
            {
                await ApiProblem.Create(StatusCodes.Status404NotFound, ApiProblem.NotFound, "Room not found.").ExecuteAsync(context);
                return;
            }

            var member = await RoomLookups.MemberAsync(db, roomId, actor.UserId, context.RequestAborted);
            if (member is null && !actor.IsAdmin)
            {
                await ApiProblem.Create(StatusCodes.Status403Forbidden, ApiProblem.Forbidden, "You are not a member of this room.").ExecuteAsync(context);
                return;
            }

            role = member?.Role ?? "admin";
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ApiProblem.Validation("upgrade", "This endpoint speaks WebSocket only.").ExecuteAsync(context);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            KeepAliveInterval = TimeSpan.FromSeconds(options.Value.PingSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(options.Value.PingTimeoutSeconds),
        });
        var closing = context.RequestAborted;
        var connection = new Connection(socket, roomId, actor.UserId, options.Value.ConnectionQueueFrames) { Role = role };
        connection.OnGap(gaps.Request);
        hub.Join(connection);

        // On shutdown: send what is queued, then close with 1001 so clients reconnect (and resume).
        using var stopping = lifetime.ApplicationStopping.Register(() => connection.Close(WebSocketCloseStatus.EndpointUnavailable, "Server going away"));
        Task writerLoop = Task.CompletedTask;
        try
        {
            long lastSeq;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<MessagingDb>();
                lastSeq = await db.Counters.AsNoTracking().Where(c => c.RoomId == roomId).Select(c => c.LastSeq).FirstOrDefaultAsync(closing);
                await connection.SendNowAsync(Frames.Serialize(new HelloFrame("hello", roomId, actor.UserId, connection.Role, lastSeq, hub.Online(roomId))), 0, closing);
                await ReplayAsync(context, db, connection, lastSeq, closing);
            }

            connection.Synchronised(lastSeq);
            writerLoop = connection.RunWriterAsync(closing);
            await ReceiveAsync(connection, actor, writer, hub, limiter, closing);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            hub.Leave(connection);
            connection.Close(WebSocketCloseStatus.NormalClosure, "");
            await writerLoop;
        }
    }

    private static async Task ReplayAsync(HttpContext context, MessagingDb db, Connection connection, long lastSeq, CancellationToken cancellationToken)
    {
        if (!long.TryParse(context.Request.Query["last_seq"], out var after))
        {
            return;
        }

        if (after < 0 || after > lastSeq || lastSeq - after > MaxReplay)
        {
            await connection.SendNowAsync(Frames.Serialize(new ResyncFrame("resync_required")), 0, cancellationToken);
            return;
        }

        var missed = await db.RoomEvents.AsNoTracking()
            .Where(e => e.RoomId == connection.RoomId && e.Seq > after && e.Seq <= lastSeq)
            .OrderBy(e => e.Seq)
            .ToListAsync(cancellationToken);
        foreach (var e in missed)
        {
            await connection.SendNowAsync(Encoding.UTF8.GetBytes(e.Frame), e.Seq, cancellationToken);
        }
    }

    private static async Task ReceiveAsync(Connection connection, Actor actor, RoomWriter writer, RoomHub hub, SendRateLimiter limiter, CancellationToken cancellationToken)
    {
        var socket = connection.Socket;
        while (socket.State == WebSocketState.Open)
        {
            // Idle: wait for the next frame's header without holding a buffer.
            var first = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
            if (first.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
            try
            {
                var (length, complete) = (0, first.EndOfMessage);
                MemoryStream? parts = null;
                var oversized = false;
                while (!complete)
                {
                    var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    length += result.Count;
                    complete = result.EndOfMessage;
                    if (length == buffer.Length && !complete)
                    {
                        // Larger than the buffer: collect the parts (up to the frame limit).
                        parts ??= new MemoryStream();
                        oversized |= parts.Length + length > MaxFrameBytes;
                        if (!oversized)
                        {
                            parts.Write(buffer, 0, length);
                        }

                        length = 0;
                    }
                }

                if (parts is not null)
                {
                    oversized |= parts.Length + length > MaxFrameBytes;
                    if (!oversized)
                    {
                        parts.Write(buffer, 0, length);
                    }
                }

                if (oversized)
                {
                    connection.Send(Frames.Error("too_large", "The frame is larger than 128 KB."));
                }
                else if (first.MessageType == WebSocketMessageType.Binary)
                {
                    connection.Send(Frames.Error("invalid_frame", "Binary frames are not accepted; send JSON text."));
                }
                else
                {
                    Dispatch(parts is null ? buffer.AsSpan(0, length) : parts.GetBuffer().AsSpan(0, (int)parts.Length), connection, actor, writer, hub, limiter);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void Dispatch(ReadOnlySpan<byte> bytes, Connection connection, Actor actor, RoomWriter writer, RoomHub hub, SendRateLimiter limiter)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(StrictUtf8.GetString(bytes), ParseOptions);
        }
        catch (Exception ex) when (ex is DecoderFallbackException or JsonException or ArgumentException)
        {
            connection.Send(Frames.Error("invalid_frame", "The frame is not JSON text in UTF-8."));
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                connection.Send(Frames.Error("invalid_frame", "A frame is a JSON object with a string \"type\"."));
                return;
            }

            if (!MessageInput.IsValidUnicode(root))
            {
                connection.Send(Frames.Error("invalid_frame", "The frame holds a string that is not valid Unicode (a lone surrogate)."));
                return;
            }

            switch (type.GetString())
            {
                case "message":
                    SendMessage(root, connection, actor, writer, limiter);
                    break;
                case "edit_message":
                    if (MessageId(root, connection) is { } edited)
                    {
                        if (!root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(content.GetString()))
                        {
                            connection.Send(Frames.Error("invalid_frame", "content must be a non-empty string."));
                        }
                        else if (Encoding.UTF8.GetByteCount(content.GetString()!) > MessageInput.MaxTextBytes)
                        {
                            connection.Send(Frames.Error("too_large", "content is larger than 10 KB."));
                        }
                        else
                        {
                            Answer(connection, writer, new EditMessage(connection.RoomId, actor, edited, content.GetString()!), null);
                        }
                    }

                    break;
                case "delete_message":
                    if (MessageId(root, connection) is { } deleted)
                    {
                        Answer(connection, writer, new DeleteMessage(connection.RoomId, actor, deleted), null);
                    }

                    break;
                case "add_reaction" or "remove_reaction":
                    if (MessageId(root, connection) is { } reacted)
                    {
                        if (!root.TryGetProperty("emoji", out var emoji) || emoji.ValueKind != JsonValueKind.String || emoji.GetString() is not { Length: > 0 and <= 32 })
                        {
                            connection.Send(Frames.Error("invalid_frame", "emoji must be a short string."));
                        }
                        else
                        {
                            Answer(connection, writer, new React(connection.RoomId, actor, reacted, emoji.GetString()!, type.GetString() == "add_reaction"), null);
                        }
                    }

                    break;
                case "typing":
                    if (!root.TryGetProperty("is_typing", out var typing) || typing.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        connection.Send(Frames.Error("invalid_frame", "is_typing must be true or false."));
                    }
                    else if (!(actor.IsAdmin || connection.Role is "owner" or "editor"))
                    {
                        // A viewer reads and nothing more: "typing…" from someone who may not send would mislead.
                        connection.Send(Frames.Error("insufficient_permissions", "Insufficient permissions"));
                    }
                    else
                    {
                        hub.SetTyping(connection.RoomId, actor.UserId, typing.GetBoolean());
                    }

                    break;
                default:
                    connection.Send(Frames.Error("invalid_frame", $"Unknown frame type \"{type.GetString()}\"."));
                    break;
            }
        }
    }

    private static void SendMessage(JsonElement root, Connection connection, Actor actor, RoomWriter writer, SendRateLimiter limiter)
    {
        var (input, code, error) = MessageInput.Parse(root, null);
        var clientId = root.TryGetProperty("client_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        if (input is null)
        {
            connection.Send(Frames.Error(code!, error!, clientId));
            return;
        }

        if (!(actor.IsAdmin || connection.Role is "owner" or "editor"))
        {
            connection.Send(Frames.Error("insufficient_permissions", "Insufficient permissions", clientId));
            return;
        }

        if (!limiter.TryTake(actor.UserId))
        {
            connection.Send(Frames.Error("rate_limited", "At most 10 messages a second; slow down.", clientId));
            return;
        }

        Answer(connection, writer, new PostMessage(connection.RoomId, actor, input), input.ClientId);
    }

    /// <summary>
    /// Submits <paramref name="command"/>; the writer acknowledges a stored message to its sender, or
    /// reports why the command was refused, as soon as it knows (<see cref="RoomCommand.Answered"/>).
    /// </summary>
    private static void Answer(Connection connection, RoomWriter writer, RoomCommand command, string? clientId)
    {
        command.Answered = result =>
        {
            if (!result.Ok)
            {
                connection.Send(Frames.Error(result.ErrorCode!, result.ErrorMessage!, clientId));
            }
            else if (clientId is not null && result.Value is Domain.Message message)
            {
                connection.Send(Frames.Serialize(new AckFrame("ack", clientId, message.MessageId, message.SequenceNumber, message.CreatedAt)));
            }
        };
        _ = writer.SubmitAsync(command);
    }

    private static Guid? MessageId(JsonElement root, Connection connection)
    {
        if (root.TryGetProperty("message_id", out var id) && id.ValueKind == JsonValueKind.String && Guid.TryParse(id.GetString(), out var messageId))
        {
            return messageId;
        }

        connection.Send(Frames.Error("invalid_frame", "message_id must be a uuid."));
        return null;
    }
}
