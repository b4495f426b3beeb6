using System.Net.WebSockets;
using System.Threading.Channels;

namespace Andon.Messaging.Infrastructure.Hub;

/// <summary>
/// One client's WebSocket. Everything it is sent goes through a bounded queue drained by a single
/// writer loop, so a broadcast never waits on a slow client; a client whose queue fills up is
/// disconnected. Frames that carry a room sequence are sent at most once and in increasing order,
/// which lets a resume replay from the database overlap with live broadcasts safely.
/// </summary>
internal sealed class Connection(WebSocket socket, Guid roomId, string userId, int queueCapacity = 1024)
{
    private readonly Channel<(byte[] Frame, long Seq)> outgoing = Channel.CreateBounded<(byte[], long)>(
        new BoundedChannelOptions(queueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private long lastSentSeq;

    public Guid RoomId { get; } = roomId;

    public string UserId { get; } = userId;

    public string Role { get; set; } = "viewer";

    public WebSocket Socket { get; } = socket;

    /// <summary>Queues a frame; <paramref name="seq"/> is 0 for frames outside the room sequence (ack, presence, typing, errors).</summary>
    public void Send(byte[] frame, long seq = 0)
    {
        if (!outgoing.Writer.TryWrite((frame, seq)))
        {
            // The client stopped reading: it must not slow the room down.
            Close(WebSocketCloseStatus.PolicyViolation, "Too slow: reconnect and resume with last_seq.");
        }
    }

    /// <summary>Sends directly before the writer loop starts (hello and the resume replay).</summary>
    public async Task SendNowAsync(byte[] frame, long seq, CancellationToken cancellationToken)
    {
        if (seq > 0)
        {
            lastSentSeq = seq;
        }

        await Socket.SendAsync(frame, WebSocketMessageType.Text, true, cancellationToken);
    }

    public async Task RunWriterAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (frame, seq) in outgoing.Reader.ReadAllAsync(cancellationToken))
            {
                if (seq > 0)
                {
                    if (seq <= lastSentSeq)
                    {
                        continue;
                    }

                    lastSentSeq = seq;
                }

                await Socket.SendAsync(frame, WebSocketMessageType.Text, true, cancellationToken);
            }

            if (closeStatus is { } status && Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await Socket.CloseOutputAsync(status, closeReason, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket is gone; the receive loop ends too.
        }
    }

    private WebSocketCloseStatus? closeStatus;
    private string? closeReason;

    /// <summary>Sends what is queued, then closes with <paramref name="status"/>.</summary>
    public void Close(WebSocketCloseStatus status, string reason)
    {
        closeStatus ??= status;
        closeReason ??= reason;
        outgoing.Writer.TryComplete();
    }

    public void Abort()
    {
        outgoing.Writer.TryComplete();
        Socket.Abort();
    }
}
