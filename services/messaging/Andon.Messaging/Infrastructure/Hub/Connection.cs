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

    /// <summary>The number of the last room frame this client was sent.</summary>
    public long LastSentSeq => Interlocked.Read(ref lastSentSeq);

    /// <summary>Frames queued for the writer loop and not yet sent.</summary>
    public int Queued => outgoing.Reader.Count;

    /// <summary>Queues a frame; <paramref name="seq"/> is 0 for frames outside the room sequence (ack, presence, typing, errors).</summary>
    public void Send(byte[] frame, long seq = 0)
    {
        if (!outgoing.Writer.TryWrite((frame, seq)) && !outgoing.Reader.Completion.IsCompleted)
        {
            // The client stopped reading: it must not slow the room down. Its socket is aborted (a
            // graceful close could wait forever behind the frames it does not read); it reconnects
            // and resumes with last_seq.
            Abort();
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
        // Frames numbered past a gap wait here until the gap is filled (by later broadcasts or from
        // the room's event log), so the client always sees the room's sequence without holes.
        var held = new SortedDictionary<long, byte[]>();

        // The queue is read without the token: waiting with one that can be cancelled allocates a new
        // wait each time the queue runs empty, once a delivery in a busy room (bench/README.md point
        // 20). The token ends the loop by completing the queue instead.
        // Frames are sent without it too: given a token that can be cancelled, the WebSocket takes its
        // slow path for every frame, waiting for its send lock asynchronously and registering the token
        // (bench/README.md point 23). A send stuck on a client that stopped reading still ends: Abort
        // aborts the HTTP connection under the socket.
        using var stop = cancellationToken.Register(() => outgoing.Writer.TryComplete());
        try
        {
            await foreach (var (frame, seq) in outgoing.Reader.ReadAllAsync(CancellationToken.None))
            {
                if (seq == 0)
                {
                    await Socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
                    continue;
                }

                if (seq <= lastSentSeq)
                {
                    continue;
                }

                if (seq > lastSentSeq + 1)
                {
                    held[seq] = frame;
                    gapFiller?.Invoke(this, lastSentSeq + 1, seq - 1);
                    continue;
                }

                await Socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
                lastSentSeq = seq;
                while (held.Remove(lastSentSeq + 1, out var next))
                {
                    await Socket.SendAsync(next, WebSocketMessageType.Text, true, CancellationToken.None);
                    lastSentSeq++;
                }

                // Frames held past a gap that a replay has sent since (most frames find nothing held).
                while (held.Count > 0 && held.Keys.First() <= lastSentSeq)
                {
                    held.Remove(held.Keys.First());
                }
            }

            if (closeStatus is { } status && Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(CloseWait);
                await Socket.CloseOutputAsync(status, closeReason, timeout.Token);
                DropIfUnanswered();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The socket is gone; the receive loop ends too.
        }
    }

    /// <summary>How long a close may take to send, and the client to answer it.</summary>
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A client that has not answered the server's close within <see cref="CloseWait"/> (gone, or no
    /// longer reading) is dropped: its receive loop, and with it a stopping server, would otherwise
    /// wait for it until the network gave up.
    /// </summary>
    private void DropIfUnanswered() =>
        _ = Task.Delay(CloseWait).ContinueWith(
            _ =>
            {
                if (Socket.State != WebSocketState.Closed)
                {
                    Socket.Abort();
                }
            },
            TaskScheduler.Default);

    private Action<Connection, long, long>? gapFiller;

    /// <summary>Called with (connection, first missing, last missing) when numbered frames arrive past a gap.</summary>
    public void OnGap(Action<Connection, long, long> fill) => gapFiller = fill;

    /// <summary>The client is up to date to <paramref name="seq"/> (its hello, or the end of its replay).</summary>
    public void Synchronised(long seq) => lastSentSeq = Math.Max(lastSentSeq, seq);

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
